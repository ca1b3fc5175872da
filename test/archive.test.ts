import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { buildArchive, projectEntries } from "../components/resources/archive";
import {
  archiveVerdict,
  NEVER_CODE_NAMES,
  ROOTED_EXCLUSIONS,
  type ArchiveVerdict,
} from "../components/resources/archive-rules";

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-archive-"))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const LONG = `src/pkg/${"d".repeat(60)}/${"e".repeat(60)}/na\u00efve_module.py`;

/** A small project with everything the archive must keep and everything it must leave out. */
function makeProject(root: string): void {
  const files: Record<string, string> = {
    "pyproject.toml": "[tool.kedro]\npackage_name = 'pkg'\n",
    "requirements.txt": "kedro\n",
    "conf/base/catalog.yml": "x: {type: pandas.CSVDataset}\n",
    "conf/base/credentials.yml": "secret: MARKER-BASE\n",
    "conf/local/settings.yml": "secret: MARKER-LOCAL\n",
    "conf/prod/credentials_gcp.yaml": "secret: MARKER-PROD\n",
    "src/pkg/__init__.py": "",
    [LONG]: "x = 1\n",
    "src/pkg/__pycache__/m.cpython-311.pyc": "bytecode",
    "data/01_raw/big.csv": "a,b\n",
    ".git/HEAD": "ref\n",
    ".venv/bin/python": "",
    "env311/pyvenv.cfg": "home = /usr\n",
    "env311/lib/site.py": "",
    "node_modules/x/index.js": "",
    "scripts/run.sh": "#!/bin/sh\necho hi\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  fs.chmodSync(path.join(root, "scripts/run.sh"), 0o775);
}

/** Python's tarfile, an independent reader: names, modes, owners, mtimes and contents. */
function pythonReads(
  archive: Buffer,
): { name: string; mode: number; uid: number; gid: number; mtime: number; data: string }[] {
  const file = path.join(tmp, "read.tar.gz");
  fs.writeFileSync(file, archive);
  const program = [
    "import json, sys, tarfile",
    "with tarfile.open(sys.argv[1], 'r:gz') as t:",
    "    out = [dict(name=m.name, mode=m.mode, uid=m.uid, gid=m.gid, mtime=m.mtime, data=t.extractfile(m).read().decode()) for m in t.getmembers()]",
    "print(json.dumps(out))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", program, file], { encoding: "utf8" }));
}

describe("project archive", () => {
  it("holds the project's files and leaves out secrets, local config, data, caches and virtualenvs", () => {
    const root = path.join(tmp, "p");
    makeProject(root);
    const members = pythonReads(buildArchive(projectEntries(root)));
    expect(members.map((m) => m.name)).toEqual([
      "conf/base/catalog.yml",
      "pyproject.toml",
      "requirements.txt",
      "scripts/run.sh",
      "src/pkg/__init__.py",
      LONG,
    ]);
    expect(members.find((m) => m.name === LONG)?.data).toBe("x = 1\n");
    expect(members.find((m) => m.name === "scripts/run.sh")?.mode).toBe(0o755);
    expect(members.find((m) => m.name === "pyproject.toml")?.mode).toBe(0o644);
    for (const m of members) {
      expect([m.uid, m.gid, m.mtime]).toEqual([0, 0, 946684800]);
      expect(m.data).not.toMatch(/MARKER/);
    }
  });

  it("is byte-identical for identical files, whatever their times, modes, owners or creation order", () => {
    const a = path.join(tmp, "a");
    const b = path.join(tmp, "b");
    makeProject(a);
    const oldUmask = process.umask(0o077);
    try {
      makeProject(b);
    } finally {
      process.umask(oldUmask);
    }
    fs.utimesSync(path.join(b, "pyproject.toml"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    fs.chmodSync(path.join(b, "requirements.txt"), 0o600);
    const bytesA = buildArchive(projectEntries(a));
    const bytesB = buildArchive(projectEntries(b));
    expect(bytesB.equals(bytesA)).toBe(true);
    expect(bytesA.readUInt32LE(4)).toBe(0); // gzip header mtime
  });

  it("changes when a file changes", () => {
    const root = path.join(tmp, "p");
    makeProject(root);
    const before = buildArchive(projectEntries(root));
    fs.writeFileSync(path.join(root, "src/pkg/__init__.py"), "VERSION = 2\n");
    expect(buildArchive(projectEntries(root)).equals(before)).toBe(false);
  });
});

/**
 * An independent ustar reader: the regular files' paths and modes, in archive order. Reads the
 * name and prefix fields, and a PAX `path` record when one precedes the entry.
 */
function tarEntries(archive: Buffer): { path: string; mode: number; data: Buffer }[] {
  const tar = zlib.gunzipSync(archive);
  const text = (from: number, width: number) => {
    const field = tar.subarray(from, from + width);
    const nul = field.indexOf(0);
    return (nul < 0 ? field : field.subarray(0, nul)).toString("utf8");
  };
  const out: { path: string; mode: number; data: Buffer }[] = [];
  let paxPath: string | undefined;
  let at = 0;
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break; // end of archive
    const size = parseInt(text(at + 124, 12).trim(), 8);
    const type = text(at + 156, 1);
    const magic = text(at + 257, 6);
    const prefix = magic === "ustar" ? text(at + 345, 155) : "";
    const name = prefix === "" ? text(at, 100) : `${prefix}/${text(at, 100)}`;
    const data = tar.subarray(at + 512, at + 512 + size);
    if (type === "x") {
      for (const record of data.toString("utf8").split("\n")) {
        const m = /^\d+ path=(.*)$/s.exec(record);
        if (m) paxPath = m[1];
      }
    } else {
      expect(["0", ""]).toContain(type); // regular files only: folders are implied
      out.push({ path: paxPath ?? name, mode: parseInt(text(at + 100, 8).trim(), 8), data });
      paxPath = undefined;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Every regular file below `root`, relative, `/`-separated (symlinks neither followed nor listed). */
function allFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk("");
  return out.sort();
}

/**
 * The names the old rule got wrong, and their neighbours: code in folders named like excluded
 * top-level folders, credentials in every shape Kedro loads, dotenv files, a nested virtualenv.
 * The project's .gitignore would leave out code and config; it is not honoured.
 */
const TRICKY_SHIPPED = [
  ".gitignore",
  "conf/base/catalog.yml",
  "conf/base/nested/catalog_extra.yml",
  "conf/base/parameters.yml",
  "conf/prod/catalog.yml",
  "docs/data/index.md",
  "pyproject.toml",
  "src/pkg/__init__.py",
  "src/pkg/build/__init__.py",
  "src/pkg/build/x.py",
  "src/pkg/credentials.py",
  "src/pkg/data/__init__.py",
  "src/pkg/data/loaders.py",
  "src/pkg/dist.py",
  "src/pkg/logs.py",
  "src/pkg/pipelines/__init__.py",
  "src/pkg/pipelines/build/__init__.py",
  "src/pkg/pipelines/build/nodes.py",
  "src/pkg/venv/__init__.py",
  "tools/helper.py",
];
const TRICKY_LEFT_OUT: Record<
  string,
  Omit<Extract<ArchiveVerdict, { shipped: false }>, "shipped">
> = {
  ".DS_Store": { rule: "never-code", pattern: ".DS_Store", matched: ".DS_Store" },
  ".env": { rule: "dotenv", pattern: ".env, .env.*", matched: ".env" },
  ".env.prod": { rule: "dotenv", pattern: ".env, .env.*", matched: ".env.prod" },
  ".git/HEAD": { rule: "never-code", pattern: ".git", matched: ".git" },
  "build/lib/pkg/__init__.py": { rule: "rooted", pattern: "build", matched: "build" },
  "conf/base/credentials.yml": {
    rule: "credentials",
    pattern: "conf/**/credentials*",
    matched: "conf/base/credentials.yml",
  },
  "conf/base/nested/credentials_extra.yaml": {
    rule: "credentials",
    pattern: "conf/**/credentials*",
    matched: "conf/base/nested/credentials_extra.yaml",
  },
  "conf/local/x.yml": { rule: "rooted", pattern: "conf/local", matched: "conf/local" },
  "conf/prod/Credentials.YML": {
    rule: "credentials",
    pattern: "conf/**/credentials*",
    matched: "conf/prod/Credentials.YML",
  },
  "conf/prod/credentials.json": {
    rule: "credentials",
    pattern: "conf/**/credentials*",
    matched: "conf/prod/credentials.json",
  },
  "conf/prod/credentials/db.yml": {
    rule: "credentials",
    pattern: "conf/**/credentials*",
    matched: "conf/prod/credentials",
  },
  "data/01_raw/x.csv": { rule: "rooted", pattern: "data", matched: "data" },
  "logs/run.log": { rule: "rooted", pattern: "logs", matched: "logs" },
  "node_modules/x/index.js": {
    rule: "never-code",
    pattern: "node_modules",
    matched: "node_modules",
  },
  "src/.env.local": { rule: "dotenv", pattern: ".env, .env.*", matched: "src/.env.local" },
  "src/pkg/.nodes.py.swp": {
    rule: "never-code",
    pattern: "*.swp",
    matched: "src/pkg/.nodes.py.swp",
  },
  "src/pkg/__pycache__/x.cpython-311.pyc": {
    rule: "never-code",
    pattern: "__pycache__",
    matched: "src/pkg/__pycache__",
  },
  "src/pkg/stale.pyc": { rule: "never-code", pattern: "*.pyc", matched: "src/pkg/stale.pyc" },
  "src/vendored/.git": { rule: "never-code", pattern: ".git", matched: "src/vendored/.git" },
  "tools/venv2/lib/site.py": { rule: "virtualenv", pattern: "pyvenv.cfg", matched: "tools/venv2" },
  "tools/venv2/pyvenv.cfg": { rule: "virtualenv", pattern: "pyvenv.cfg", matched: "tools/venv2" },
};

function makeTrickyProject(root: string): void {
  for (const rel of [...TRICKY_SHIPPED, ...Object.keys(TRICKY_LEFT_OUT)]) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), `# ${rel}\n`);
  }
  // What git would ignore here; the archive must not care.
  fs.writeFileSync(path.join(root, ".gitignore"), "src/pkg/data/\nbuild/\n*.py\nconf/\n");
  fs.symlinkSync("logs.py", path.join(root, "src/pkg/link.py"));
}

const isVirtualenvIn = (root: string) => (dir: string) =>
  fs.existsSync(path.join(root, dir, "pyvenv.cfg"));

describe("project archive contents", () => {
  it("ships code in folders named like excluded top-level folders and leaves out every secret", () => {
    const root = path.join(tmp, "tricky");
    makeTrickyProject(root);
    const entries = tarEntries(buildArchive(projectEntries(root)));
    expect(entries.map((e) => e.path)).toEqual(TRICKY_SHIPPED);
    for (const e of entries) {
      if (e.path !== ".gitignore") expect(e.data.toString("utf8")).toBe(`# ${e.path}\n`);
      expect(e.mode).toBe(0o644);
    }
  });

  it("names the rule that leaves each path out", () => {
    const root = path.join(tmp, "tricky");
    makeTrickyProject(root);
    const isVirtualenv = isVirtualenvIn(root);
    for (const [rel, why] of Object.entries(TRICKY_LEFT_OUT)) {
      expect([rel, archiveVerdict(rel, { isVirtualenv })]).toEqual([
        rel,
        { shipped: false, ...why },
      ]);
    }
    for (const rel of TRICKY_SHIPPED) {
      expect([rel, archiveVerdict(rel, { isVirtualenv })]).toEqual([rel, { shipped: true }]);
    }
  });

  it("walks the tree exactly as the pure rule answers, file by file", () => {
    const root = path.join(tmp, "tricky");
    makeTrickyProject(root);
    const isVirtualenv = isVirtualenvIn(root);
    const expected = allFiles(root).filter((rel) => archiveVerdict(rel, { isVirtualenv }).shipped);
    expect(projectEntries(root).map((e) => e.path)).toEqual(expected);
  });

  it("refuses paths that are not normalised and relative", () => {
    for (const bad of ["", "/etc/passwd", "a//b", "./a", "a/../b", "a/"]) {
      expect(() => archiveVerdict(bad)).toThrow(/normalised relative path/);
    }
  });

  it("matches an independent statement of the rule for random paths", () => {
    // The rule, restated as regular expressions over the whole path; folders end in "/".
    const rooted =
      /^(\.venv|venv|\.tox|\.nox|\.idea|\.vscode|data|logs|dist|build|mlruns|spark-warehouse|metastore_db|conf\/local)\//;
    const neverCode =
      /(^|\/)(\.git|\.hg|\.svn|__pycache__|\.pytest_cache|\.ruff_cache|\.mypy_cache|\.ipynb_checkpoints|node_modules|\.DS_Store|[^/]*\.pyc|[^/]*\.pyo|[^/]*\.swp|[^/]*\.swo|[^/]*~|#[^/]*#|\.#[^/]*)(\/|$)/;
    const credentialsBelowConf = /(^|\/)credentials[^/]*(\/|$)/i;
    const dotenv = /(^|\/)\.env(\.[^/]*)?(\/|$)/i;
    const expectedShipped = (rel: string, isDir: boolean, venvs: Set<string>) => {
      const p = isDir ? `${rel}/` : rel;
      if (rooted.test(p) || neverCode.test(p) || dotenv.test(p)) return false;
      if (p.startsWith("conf/") && credentialsBelowConf.test(p.slice("conf/".length))) return false;
      return ![...venvs].some((v) => p.startsWith(`${v}/`));
    };

    // Names each rule is about, their near misses, and random names from the same characters.
    const words = (text: string) => fc.constantFrom(...text.split(" "));
    const folderish = words(
      "conf local base prod src pkg data build logs dist mlruns venv .venv .tox .nox .idea " +
        ".vscode spark-warehouse metastore_db env x",
    );
    const secretish = words(
      "credentials credentials.yml credentials.json credentials.yml.bak credentialsX " +
        "my_credentials.yml creds.yml .env .env.prod .envrc .env_x env.prod",
    );
    const neverCodeish = words(
      ".git .gitignore .hg .svn __pycache__ .pytest_cache .ruff_cache .mypy_cache " +
        ".ipynb_checkpoints node_modules .DS_Store x.pyc x.pyo x.py .x.swp x.swo x~ ~x #x# # .#x " +
        "pyvenv.cfg",
    );
    const randomCase = (s: string) =>
      fc
        .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
        .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(""));
    const known = fc.oneof(folderish, secretish, neverCodeish);
    const component = fc
      .oneof(
        known,
        known.chain(randomCase),
        fc.string({ unit: fc.constantFrom(..."acdenlsv._#~-"), minLength: 1, maxLength: 8 }),
      )
      .filter((c) => c !== "." && c !== "..");
    // Half the paths start in conf/, where the credentials rule applies.
    const parts = fc
      .tuple(
        fc.oneof(fc.constant("conf"), component),
        fc.array(component, { minLength: 0, maxLength: 4 }),
      )
      .map(([first, rest]) => [first, ...rest]);
    const cases = fc.record({
      parts,
      isDir: fc.boolean(),
      venvMask: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    });
    fc.assert(
      fc.property(cases, ({ parts, isDir, venvMask }) => {
        const rel = parts.join("/");
        const folders = parts.length - (isDir ? 0 : 1);
        const venvs = new Set(
          parts
            .slice(0, folders)
            .flatMap((_, i) => (venvMask[i] ? [parts.slice(0, i + 1).join("/")] : [])),
        );
        const verdict = archiveVerdict(rel, {
          isDirectory: isDir,
          isVirtualenv: (d) => venvs.has(d),
        });
        expect(verdict.shipped).toBe(expectedShipped(rel, isDir, venvs));
        if (!verdict.shipped) {
          expect(rel === verdict.matched || rel.startsWith(`${verdict.matched}/`)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("is the rule docs/security.md states", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "security.md"), "utf8");
    const heading = "## What the project archive holds";
    expect(doc).toContain(heading);
    const section = doc.slice(doc.indexOf(heading)).split(/\n## /)[0]!;
    for (const { path: rooted } of ROOTED_EXCLUSIONS) expect(section).toContain(`\`${rooted}/\``);
    for (const { name } of NEVER_CODE_NAMES) expect(section).toContain(`\`${name}\``);
    for (const test of ["test/archive.test.ts", "test/python/kedro/test_archive_contents.py"]) {
      expect(section).toContain(test);
    }
  });
});
