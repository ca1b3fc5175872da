import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeDirs, removeEmptyDirs, removeQuietly } from "./atomic";
import { InputError } from "./errors";

/**
 * The record `compile` keeps in its output folder of the files it wrote there, with the
 * SHA-256 of each. It is what makes the folder compile's: compile writes into a folder only
 * when it is new, empty or holds this file, and replaces or removes only the files listed here
 * whose content is still what it wrote.
 */
export const INDEX_FILE = ".kedro-airflow-k8s-compile.json";
const INDEX_FORMAT = "kedro-airflow-k8s compile outputs";
const INDEX_NOTE =
  "The files kedro-airflow-k8s compile wrote in this folder. It replaces or removes only these, " +
  "and only while their content is unchanged. Delete this file to keep them as your own.";

export interface OwnedFile {
  /** Relative path with `/` separators, e.g. `dags/x.py`. */
  path: string;
  content: string | Buffer;
}

export interface OwnedTreeReport {
  /** Files whose content changed or that are new. */
  written: string[];
  /** Files that already held exactly this content (left untouched). */
  unchanged: string[];
  /** Files of an earlier compile that this one no longer produces, removed. */
  removed: string[];
  /** Files of an earlier compile no longer produced but changed since: left in place, untracked. */
  disowned: string[];
}

type Index = Map<string, string>;

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/** A relative path made of plain segments: no `..`, `.`, empty segment, or absolute start. */
function isSafeRelative(p: string): boolean {
  if (p === "" || p.includes("\\") || p.includes("\0") || p === INDEX_FILE) return false;
  return p.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

/** lstat, or null when nothing is there. */
function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (err) {
    if (code(err) === "ENOENT") return null;
    throw err;
  }
}

function readIndex(file: string): Index {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const why = err instanceof SyntaxError ? `not JSON: ${err.message}` : code(err);
    throw new InputError(
      file,
      "(file)",
      `cannot be read as compile's record of its files (${why})`,
    );
  }
  const doc = data as { format?: unknown; version?: unknown; files?: unknown };
  if (doc === null || typeof doc !== "object" || doc.format !== INDEX_FORMAT || doc.version !== 1) {
    throw new InputError(
      file,
      "(top level)",
      `expected compile's record of its files (format "${INDEX_FORMAT}", version 1); ` +
        "restore it, or move the folder's files away and delete it",
    );
  }
  const files = doc.files;
  if (files === null || typeof files !== "object" || Array.isArray(files)) {
    throw new InputError(file, "files", "expected an object of relative paths to SHA-256 digests");
  }
  const index: Index = new Map();
  for (const [p, digest] of Object.entries(files)) {
    if (!isSafeRelative(p) || typeof digest !== "string" || !/^[0-9a-f]{64}$/.test(digest)) {
      throw new InputError(
        file,
        `files[${JSON.stringify(p)}]`,
        "expected a relative path inside the folder and a SHA-256 digest (64 hex digits)",
      );
    }
    index.set(p, digest);
  }
  return index;
}

function indexText(index: Index): string {
  const files: Record<string, string> = {};
  for (const p of [...index.keys()].sort()) files[p] = index.get(p)!;
  return `${JSON.stringify({ format: INDEX_FORMAT, version: 1, note: INDEX_NOTE, files }, null, 2)}\n`;
}

interface Step {
  target: string;
  /** The new content, staged beside the target; null for a removal. */
  staged: string | null;
  /** Where the target's previous version is kept until the end, for a rollback. */
  backup: string | null;
  done: boolean;
}

/**
 * Writes `files` into `outDir` as compile's outputs, whole or not at all, owning only what it
 * writes:
 *
 * - `outDir` must be new, empty, or hold the record ({@link INDEX_FILE}) of an earlier run;
 *   any other folder is refused (an InputError: one line, exit 2), so that pointing `--out` at a
 *   folder with other content never touches it;
 * - a file is replaced only when the record lists it with its current content (or it already
 *   holds the new content); anything else at one of the paths is refused, never overwritten;
 * - files of an earlier run that this one no longer produces are removed if unchanged (and
 *   their folders, once empty), else left in place and dropped from the record;
 * - everything is staged beside its target first, then renamed into place with the previous
 *   versions kept until the record is written; any failure puts the previous versions back.
 *
 * Every file-system failure becomes an InputError naming the path and `option`.
 */
export function writeOwnedTree(
  outDir: string,
  files: readonly OwnedFile[],
  option = "--out",
): OwnedTreeReport {
  const out = path.resolve(outDir);
  const shown = (rel: string) => path.join(outDir, rel);
  const indexFile = path.join(out, INDEX_FILE);
  for (const file of files) {
    if (!isSafeRelative(file.path)) throw new Error(`unsafe output path ${file.path}`);
  }

  // 1. Is the folder ours? Nothing is changed until every check has passed.
  let index: Index = new Map();
  let outStat: fs.Stats | null = null;
  try {
    outStat = fs.statSync(out);
  } catch (err) {
    if (code(err) === "ENOTDIR") {
      throw new InputError(outDir, option, "has a file where a folder is expected on its path");
    }
    if (code(err) !== "ENOENT")
      throw new InputError(outDir, option, `cannot be read (${code(err)})`);
  }
  if (outStat !== null) {
    if (!outStat.isDirectory()) {
      throw new InputError(
        outDir,
        option,
        "is a file, not a folder; give a folder for dags/ and artifacts/",
      );
    }
    let entries: string[];
    try {
      entries = fs.readdirSync(out);
    } catch (err) {
      throw new InputError(outDir, option, `cannot be read (${code(err)})`);
    }
    if (entries.includes(INDEX_FILE)) index = readIndex(indexFile);
    else if (entries.length > 0) {
      throw new InputError(
        outDir,
        option,
        `holds files that compile did not write (it has no ${INDEX_FILE}); ` +
          "give a new or empty folder, or one that compile wrote before",
      );
    }
  }

  // 2. What to write, keep, remove; refuse before any change if a path holds someone else's file.
  const report: OwnedTreeReport = { written: [], unchanged: [], removed: [], disowned: [] };
  const next: Index = new Map();
  const writes: { rel: string; content: Buffer; exists: boolean }[] = [];
  const removals: string[] = [];
  const currentDigest = (rel: string): string | null | "other" => {
    const full = path.join(out, rel);
    try {
      const stat = lstatOrNull(full);
      if (stat === null) return null;
      return stat.isFile() ? sha256(fs.readFileSync(full)) : "other";
    } catch (err) {
      throw new InputError(shown(rel), option, `cannot be read (${code(err)})`);
    }
  };
  for (const file of files) {
    // Encoded once, for the digest and the write alike (each would encode a string again).
    const content = typeof file.content === "string" ? Buffer.from(file.content) : file.content;
    const digest = sha256(content);
    next.set(file.path, digest);
    const current = currentDigest(file.path);
    if (current === digest) report.unchanged.push(file.path);
    else if (current === null || current === index.get(file.path)) {
      writes.push({ rel: file.path, content, exists: current !== null });
      report.written.push(file.path);
    } else {
      throw new InputError(
        shown(file.path),
        option,
        index.has(file.path)
          ? "has changed since compile wrote it, so compile will not overwrite it; move it away and run again"
          : "exists and compile did not write it, so compile will not overwrite it; move it away and run again",
      );
    }
  }
  for (const [rel, digest] of index) {
    if (next.has(rel)) continue;
    const current = currentDigest(rel);
    if (current === null) continue;
    if (current === digest) {
      removals.push(rel);
      report.removed.push(rel);
    } else report.disowned.push(rel);
  }

  // 3. Stage every new file beside its target (and the record in the folder).
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const createdDirs: string[] = [];
  const steps: Step[] = [];
  const undoStaging = () => {
    for (const step of steps) {
      if (step.staged !== null) removeQuietly(step.staged);
      if (step.backup !== null) removeQuietly(step.backup);
    }
    removeEmptyDirs(createdDirs);
  };
  const side = (target: string, kind: "new" | "old") =>
    path.join(path.dirname(target), `.${path.basename(target)}.${tag}.kak-${kind}`);
  const stage = (target: string, content: string | Buffer, exists: boolean, label: string) => {
    const step: Step = { target, staged: null, backup: null, done: false };
    steps.push(step);
    try {
      createdDirs.push(...makeDirs(path.dirname(target)));
      step.staged = side(target, "new");
      fs.writeFileSync(step.staged, content, { flag: "wx" });
      if (exists) {
        step.backup = side(target, "old");
        keepCopy(target, step.backup);
      }
    } catch (err) {
      const { syscall, path: at } = err as NodeJS.ErrnoException;
      throw new InputError(
        syscall === "mkdir" && at ? at : label,
        option,
        `cannot be written (${code(err)})`,
      );
    }
  };
  try {
    for (const w of writes) stage(path.join(out, w.rel), w.content, w.exists, shown(w.rel));
    for (const rel of removals) {
      const target = path.join(out, rel);
      steps.push({ target, staged: null, backup: side(target, "old"), done: false });
    }
    stage(indexFile, indexText(next), lstatOrNull(indexFile) !== null, shown(INDEX_FILE));
  } catch (err) {
    undoStaging();
    throw err;
  }

  // 4. Rename into place; on any failure put every previous version back.
  try {
    for (const step of steps) {
      if (step.staged === null) fs.renameSync(step.target, step.backup!);
      else fs.renameSync(step.staged, step.target);
      step.done = true;
    }
  } catch (err) {
    for (const step of [...steps].reverse()) {
      if (!step.done) continue;
      try {
        if (step.backup !== null) fs.renameSync(step.backup, step.target);
        else fs.rmSync(step.target, { force: true });
      } catch {
        step.backup = null; // could not be put back: keep it beside the target (*.kak-old)
      }
    }
    undoStaging();
    const failed = steps.find((s) => !s.done)?.target ?? out;
    throw new InputError(failed, option, `cannot be replaced (${code(err)})`);
  }

  // 5. Done: drop the previous versions and the folders the removals emptied.
  for (const step of steps) if (step.backup !== null) removeQuietly(step.backup);
  for (const rel of removals) {
    for (let dir = path.dirname(path.join(out, rel)); dir !== out; dir = path.dirname(dir)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
  return report;
}

/** A second name for the target's current content (a hard link; a copy where links fail). */
function keepCopy(target: string, backup: string): void {
  try {
    fs.linkSync(target, backup);
  } catch {
    fs.copyFileSync(target, backup, fs.constants.COPYFILE_EXCL);
  }
}
