/**
 * What the project archive holds: one rule, stated here and nowhere else.
 *
 * The archive is the Kedro project as Dataproc clusters unpack it (`templates/scripts/init.sh.hbs`
 * untars it and pip-installs it), so it must hold every file of the project's code and
 * configuration and no secret. A path (relative to the project root, `/`-separated) is shipped
 * unless one of these rules excludes it or one of its folders:
 *
 * 1. **secrets** (`credentials`): below `conf/`, any file or folder whose name starts with
 *    `credentials` (any case, any extension), e.g. `conf/prod/credentials.json`,
 *    `conf/prod/credentials/db.yml`, `conf/base/nested/credentials_extra.yaml`: a superset of
 *    what Kedro loads as credentials (see {@link CREDENTIALS_PREFIX} for Kedro's own patterns).
 * 2. **secrets** (`dotenv`): any file or folder named `.env` or `.env.<anything>` at any depth
 *    (dotenv files: `.env`, `.env.prod`, `src/.env.local`).
 * 3. **rooted** (`rooted`): the folders in {@link ROOTED_EXCLUSIONS}, matched as paths from the
 *    project root only (`data/` is left out; `src/pkg/data/` is code and is shipped).
 * 4. **never code** (`never-code`): the names in {@link NEVER_CODE_NAMES}, at any depth, files
 *    or folders (caches, bytecode, version control, editor droppings).
 * 5. **virtualenv** (`virtualenv`): any folder below the root that holds an entry named
 *    `pyvenv.cfg` (a virtualenv, whatever its name).
 *
 * The walker in `archive.ts` also ships only regular files and folders: symbolic links (never
 * followed) and other special files are left out.
 *
 * The project's `.gitignore` is deliberately NOT honoured. Git's ignore rules also come from
 * nested `.gitignore` files, `.git/info/exclude` and the user's global `core.excludesFile`, so
 * honouring them would make the archive depend on the machine (and on git's version), and two
 * machines would build different archives from the same files. The archive is a function of
 * this rule and the files alone, which keeps it byte-identical everywhere.
 *
 * Known limits: a project that moves its configuration (`CONF_SOURCE` other than `conf`) or
 * changes `config_patterns["credentials"]` in `settings.py` is not covered by rule 1.
 */

/** Which rule left a path out. */
export type ArchiveRuleId = "credentials" | "dotenv" | "rooted" | "never-code" | "virtualenv";

/** Folders left out when found at this exact path from the project root (and only there). */
export const ROOTED_EXCLUSIONS: readonly { path: string; why: string }[] = [
  { path: ".venv", why: "the project's virtualenv" },
  { path: "venv", why: "the project's virtualenv" },
  { path: ".tox", why: "tox environments" },
  { path: ".nox", why: "nox environments" },
  { path: ".idea", why: "editor settings" },
  { path: ".vscode", why: "editor settings" },
  { path: "data", why: "Kedro's data folder: datasets, not code" },
  { path: "logs", why: "Kedro's log folder" },
  { path: "dist", why: "build output (`kedro package` writes here)" },
  { path: "build", why: "build output" },
  { path: "mlruns", why: "local MLflow runs" },
  { path: "spark-warehouse", why: "tables written by local Spark runs" },
  { path: "metastore_db", why: "Spark's local Derby metastore" },
  { path: "conf/local", why: "Kedro's developer-local env: machine settings and secrets" },
];

/** Names that are never code, left out at any depth, whether files or folders. */
export const NEVER_CODE_NAMES: readonly { name: string; why: string }[] = [
  { name: ".git", why: "version control (a folder, or a worktree's or submodule's file)" },
  { name: ".hg", why: "version control" },
  { name: ".svn", why: "version control" },
  { name: "__pycache__", why: "Python bytecode cache" },
  { name: ".pytest_cache", why: "pytest cache" },
  { name: ".ruff_cache", why: "ruff cache" },
  { name: ".mypy_cache", why: "mypy cache" },
  { name: ".ipynb_checkpoints", why: "Jupyter autosaves" },
  { name: "node_modules", why: "Node.js packages" },
  { name: ".DS_Store", why: "macOS folder metadata" },
  { name: "*.pyc", why: "Python bytecode" },
  { name: "*.pyo", why: "Python bytecode" },
  { name: "*.swp", why: "vim swap file" },
  { name: "*.swo", why: "vim swap file" },
  { name: "*~", why: "editor backup file" },
  { name: "#*#", why: "emacs autosave file" },
  { name: ".#*", why: "emacs lock file" },
];

// Kedro's OmegaConfigLoader (kedro/config/omegaconf_config.py, checked in Kedro 1.7.0 and
// 0.19.15) loads as credentials every file that its default
//   config_patterns["credentials"] = ["credentials*", "credentials*/**", "**/credentials*"]
// (set in OmegaConfigLoader.__init__) matches when globbed under each env folder, conf/base and
// conf/<run env>, and that `_is_valid_config_path` accepts: a file whose suffix is .yml, .yaml
// or .json. So conf/prod/credentials.json, conf/prod/credentials/db.yml and
// conf/base/nested/credentials_extra.yaml are all credentials. The archive leaves out more:
// below conf/, any file or folder whose name starts with "credentials", in any case (a
// case-insensitive file system matches `Credentials.yml` too) and with any extension (a
// `credentials.yml.bak` is a secret even if Kedro skips it).
/** The name prefix that marks a secret below `conf/` (compared in lower case). */
export const CREDENTIALS_PREFIX = "credentials";

/** The file whose presence makes a folder a virtualenv (PEP 405). */
export const VIRTUALENV_MARKER = "pyvenv.cfg";

export type ArchiveVerdict =
  | { shipped: true }
  | {
      shipped: false;
      rule: ArchiveRuleId;
      /** The documented pattern that matched (`conf/local`, `*.pyc`, `credentials*`, ...). */
      pattern: string;
      /** The path itself, or the folder above it, that the rule matched. */
      matched: string;
    };

/** Facts about the file system that a path alone does not tell. */
export interface PathFacts {
  /** The path itself is a folder (every component before the last one is one anyway). */
  isDirectory?: boolean;
  /** Whether the folder at this relative path holds a `pyvenv.cfg`. Default: none does. */
  isVirtualenv?: (dir: string) => boolean;
}

const SHIPPED: ArchiveVerdict = { shipped: true };
const ROOTED = new Map(ROOTED_EXCLUSIONS.map((r) => [r.path, r]));

/** `*` is the only wildcard in {@link NEVER_CODE_NAMES}; it matches any run of characters. */
function globMatcher(pattern: string): (name: string) => boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return (name) => name === pattern;
  const head = parts[0]!;
  const tail = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1);
  return (name) => {
    if (name.length < head.length + tail.length) return false;
    if (!name.startsWith(head) || !name.endsWith(tail)) return false;
    let at = head.length;
    const end = name.length - tail.length;
    for (const part of middle) {
      const found = name.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
const NEVER_CODE = NEVER_CODE_NAMES.map((n) => ({ pattern: n.name, test: globMatcher(n.name) }));

/**
 * The verdict on the last of `parts` alone, its folders having passed already: the walker calls
 * this once per entry, {@link archiveVerdict} once per prefix of a path. When several rules match
 * one name, the first in the order of the module comment wins.
 */
export function verdictOfLast(
  parts: readonly string[],
  isDirectory: boolean,
  isVirtualenv: (dir: string) => boolean,
): ArchiveVerdict {
  const name = parts[parts.length - 1]!;
  const rel = parts.join("/");
  const lower = name.toLowerCase();
  if (parts.length >= 2 && parts[0] === "conf" && lower.startsWith(CREDENTIALS_PREFIX)) {
    return { shipped: false, rule: "credentials", pattern: "conf/**/credentials*", matched: rel };
  }
  if (lower === ".env" || lower.startsWith(".env.")) {
    return { shipped: false, rule: "dotenv", pattern: ".env, .env.*", matched: rel };
  }
  if (isDirectory && ROOTED.has(rel)) {
    return { shipped: false, rule: "rooted", pattern: rel, matched: rel };
  }
  for (const n of NEVER_CODE) {
    if (n.test(name))
      return { shipped: false, rule: "never-code", pattern: n.pattern, matched: rel };
  }
  if (isDirectory && isVirtualenv(rel)) {
    return { shipped: false, rule: "virtualenv", pattern: VIRTUALENV_MARKER, matched: rel };
  }
  return SHIPPED;
}

/**
 * Whether the file (or folder) at `relPath`, relative to the project root with `/` separators,
 * is in the project archive, and if not, which rule leaves it out. The outermost excluded
 * folder is reported: `data/01_raw/x.csv` is out because of `data`. Pure: it reads no file
 * system; `facts` says what a path cannot (is it a folder, which folders are virtualenvs).
 */
export function archiveVerdict(relPath: string, facts: PathFacts = {}): ArchiveVerdict {
  const parts = relPath.split("/");
  if (relPath === "" || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(
      `archiveVerdict: expected a normalised relative path, got ${JSON.stringify(relPath)}`,
    );
  }
  const isVirtualenv = facts.isVirtualenv ?? (() => false);
  for (let i = 1; i <= parts.length; i++) {
    const isDirectory = i < parts.length || facts.isDirectory === true;
    const verdict = verdictOfLast(parts.slice(0, i), isDirectory, isVirtualenv);
    if (!verdict.shipped) return verdict;
  }
  return SHIPPED;
}
