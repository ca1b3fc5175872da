import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { VIRTUALENV_MARKER, verdictOfLast } from "./archive-rules";

export { archiveVerdict, type ArchiveVerdict } from "./archive-rules";

/**
 * The project archive shipped to Dataproc clusters: a .tar.gz of the Kedro project that is
 * byte-identical for identical files, whatever the machine, clock, umask or owner (sorted
 * entries, fixed mtime, uid/gid 0, modes 0644/0755, gzip header mtime 0). A changed archive
 * means a changed project, so `pulumi preview` never shows a spurious diff. Which files it
 * holds is stated once, in `archive-rules.ts`.
 */

/** Fixed mtime of every entry: 2000-01-01T00:00:00Z (some tools dislike 0). */
const FIXED_MTIME = 946684800;

export interface ArchiveEntry {
  /** Path inside the archive, with `/` separators. */
  path: string;
  /** Absolute path on disk. */
  file: string;
  executable: boolean;
  /** The content, when it comes from memory (a member of a tarball) rather than from `file`. */
  data?: Buffer;
}

/**
 * The files of a project that go into its archive, sorted by path: every regular file that
 * the rule in `archive-rules.ts` ships (see {@link archiveVerdict}). Excluded folders are not
 * entered; symbolic links are not followed and, like other special files, not shipped. The
 * project's `.gitignore` is not read (why: `archive-rules.ts`).
 */
export function projectEntries(projectDir: string): ArchiveEntry[] {
  const root = path.resolve(projectDir);
  const entries: ArchiveEntry[] = [];
  const isVirtualenv = (rel: string) =>
    fs.lstatSync(path.join(root, rel, VIRTUALENV_MARKER), { throwIfNoEntry: false }) !== undefined;
  const walk = (dir: string, parts: string[]) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const childParts = [...parts, name];
      const stat = fs.lstatSync(full);
      if (stat.isDirectory()) {
        if (verdictOfLast(childParts, true, isVirtualenv).shipped) walk(full, childParts);
      } else if (stat.isFile()) {
        if (!verdictOfLast(childParts, false, isVirtualenv).shipped) continue;
        const rel = childParts.join("/");
        entries.push({ path: rel, file: full, executable: (stat.mode & 0o111) !== 0 });
      }
    }
  };
  walk(root, []);
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Builds the .tar.gz bytes of the given entries (regular files; folders are implied). */
export function buildArchive(entries: readonly ArchiveEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? fs.readFileSync(entry.file);
    const mode = entry.executable ? 0o755 : 0o644;
    const name = Buffer.from(entry.path, "utf8");
    if (name.length > 100) blocks.push(...paxHeader(entry.path));
    blocks.push(
      tarHeader(name.length > 100 ? name.subarray(0, 100) : name, data.length, mode, "0"),
    );
    blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  // zlib writes a gzip header with mtime 0 and no file name.
  return zlib.gzipSync(Buffer.concat(blocks), { level: 9 });
}

/** A PAX extended header carrying a path longer than ustar's 100-byte name field. */
function paxHeader(longPath: string): Buffer[] {
  const body = paxRecord("path", longPath);
  return [
    tarHeader(Buffer.from("././@PaxHeader"), body.length, 0o644, "x"),
    body,
    Buffer.alloc((512 - (body.length % 512)) % 512),
  ];
}

/** `"<len> key=value\n"` where len counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): Buffer {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest, "utf8");
  let len = restBytes + 1;
  while (String(len).length + restBytes !== len) len = String(len).length + restBytes;
  return Buffer.from(`${len}${rest}`, "utf8");
}

function tarHeader(name: Buffer, size: number, mode: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0);
  const octal = (value: number, offset: number, width: number) =>
    h.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, width, "ascii");
  octal(mode, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(size, 124, 12);
  octal(FIXED_MTIME, 136, 12);
  h.fill(" ", 148, 156); // checksum counts as spaces while it is summed
  h.write(type, 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}
