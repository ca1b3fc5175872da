import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "./errors";

/**
 * Writes a file whole or not at all: the text goes to a temporary file beside the target,
 * which is then renamed over it (rename is atomic within one file system). `file` is a path
 * the user gave with `option`: every failure is an InputError naming both.
 */
export function writeFileAtomic(file: string, text: string | Buffer, option: string): void {
  const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);
  let isDir = false;
  try {
    isDir = fs.statSync(file).isDirectory();
  } catch {
    // nothing there yet (or unreadable): the write below says why if it fails
  }
  if (isDir)
    throw new InputError(file, option, "is a folder; expected the path of a file to write");
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let made: string[] = [];
  try {
    made = makeDirs(dir);
    fs.writeFileSync(tmp, text, { flag: "wx" });
    fs.renameSync(tmp, file);
  } catch (err) {
    removeQuietly(tmp);
    removeEmptyDirs(made);
    throw new InputError(file, option, `cannot be written (${code(err)})`);
  }
}

/**
 * `mkdir -p` that returns the folders it created, outermost first. Not `mkdirSync(dir,
 * { recursive: true })`: Node 20's loops forever where a parent refuses new entries with
 * ENOENT (`/proc/x`); here the first failing mkdir throws.
 */
export function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !exists(d); d = path.dirname(d)) missing.unshift(d);
  const made: string[] = [];
  try {
    for (const d of missing) {
      fs.mkdirSync(d);
      made.push(d);
    }
  } catch (err) {
    removeEmptyDirs(made);
    throw err;
  }
  return made;
}

/** Removes a file if it is there; a failure to is not the error worth reporting. */
export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // e.g. ENOTDIR: it was never written
  }
}

/** Removes the given folders, innermost first, where they are empty; leaves the others. */
export function removeEmptyDirs(dirs: readonly string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // not empty (someone else's file in it) or gone: leave it
    }
  }
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
