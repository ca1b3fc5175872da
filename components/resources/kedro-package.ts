import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { InputError } from "../common/errors";
import { contentHash } from "../rendering/names";
import { buildArchive, projectEntries, type ArchiveEntry } from "./archive";
import { archiveVerdict } from "./archive-rules";

/**
 * `run_config.packaging: kedro-package`: the artifacts are what `kedro package` wrote, not an
 * archive of the project folder. Kedro 0.19.15 and 1.x build the same two files
 * (kedro/framework/cli/project.py, `package`): `python -m build --wheel --outdir dist` gives
 * `dist/<dist name>-<version>-<tags>.whl` (the code, no conf, no data), and
 * `tar --exclude=local/*.yml -czf dist/conf-<package_name>.tar.gz conf` gives the conf folder
 * as one top-level `conf/` (CONF_SOURCE's last part) with `conf/local/` still in it, bar its
 * `.yml` files.
 *
 * The wheel is uploaded as it is (pip checks its RECORD). The conf tarball is read and packed
 * again by the project archive's rule (`archive-rules.ts`): no `conf/local`, no credentials
 * (Kedro's own exclusion misses `local/*.yaml`, `local/*.json` and credentials in other envs),
 * and byte-identical for identical files, so a re-run of `kedro package` that changed nothing
 * changes nothing in `pulumi preview`.
 */

export interface PackageFile {
  /** Object name under artifacts_path. */
  name: string;
  bytes: Buffer;
  contentType: string;
}

export interface KedroPackage {
  /** The wheel, uploaded under a folder named by its hash (pip needs the wheel's own file name). */
  wheel: PackageFile;
  /** The conf, packed again: `conf/<env>/...` entries. */
  conf: PackageFile & { entries: string[] };
  /** The wheel's bytes as a `.zip`, for Serverless's python_file_uris (see docs/deployment.md). */
  wheelZip: PackageFile;
  /** The files read. */
  wheelFile: string;
  confFile: string;
  /** Whether the wheel is pure Python (`none-any`): only then can it be imported from a zip. */
  pure: boolean;
}

/** Where the built files are, as given (CLI `--wheel`/`--conf-archive`, component args) or not. */
export interface PackageFilesGiven {
  wheel?: string;
  confArchive?: string;
  /** How errors name the two (`--wheel` or `args.wheel`). */
  labels: { wheel: string; confArchive: string };
}

// PEP 427: {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
const WHEEL_NAME =
  /^([A-Za-z0-9_.]+)-([A-Za-z0-9_.!+]+)(?:-\d[A-Za-z0-9_.]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/;

/** Finds, checks and reads the files of `kedro package`. Throws InputError naming the file. */
export function readKedroPackage(
  projectDir: string | null,
  packageName: string,
  given: PackageFilesGiven,
): KedroPackage {
  // The caller passes a project folder unless both files are given.
  const dist = path.join(projectDir ?? ".", "dist");
  const wheelFile = given.wheel ?? findWheel(dist);
  const confFile = given.confArchive ?? path.join(dist, `conf-${packageName}.tar.gz`);
  const wheelLabel = given.wheel === undefined ? "(kedro package)" : given.labels.wheel;
  const confLabel = given.confArchive === undefined ? "(kedro package)" : given.labels.confArchive;

  const wheelName = path.basename(wheelFile);
  const parts = WHEEL_NAME.exec(wheelName);
  if (parts === null) {
    throw new InputError(
      wheelFile,
      wheelLabel,
      "expected a wheel named <name>-<version>-<python>-<abi>-<platform>.whl",
    );
  }
  const wheelBytes = readBinary(wheelFile, wheelLabel, "run `kedro package` in the project first");
  const names = zipNames(wheelBytes, wheelFile, wheelLabel);
  if (!names.includes(`${packageName}/__init__.py`)) {
    throw new InputError(
      wheelFile,
      wheelLabel,
      `expected the wheel of package ${packageName} (no ${packageName}/__init__.py in it)`,
    );
  }
  const confBytes = readBinary(confFile, confLabel, "run `kedro package` in the project first");
  if (projectDir !== null) checkFresh(projectDir, wheelFile, confFile);

  const entries = confEntries(confBytes, confFile, confLabel);
  const packed = buildArchive(entries);
  const wheelHash = contentHash(wheelBytes);
  const stem = wheelName.slice(0, -".whl".length);
  return {
    wheel: {
      name: `wheels/${wheelHash}/${wheelName}`,
      bytes: wheelBytes,
      contentType: "application/zip",
    },
    conf: {
      name: `conf-${packageName}-${contentHash(packed)}.tar.gz`,
      bytes: packed,
      contentType: "application/gzip",
      entries: entries.map((e) => e.path),
    },
    wheelZip: {
      name: `${stem}-${wheelHash}.zip`,
      bytes: wheelBytes,
      contentType: "application/zip",
    },
    wheelFile,
    confFile,
    pure: parts[4] === "none" && parts[5] === "any",
  };
}

function findWheel(dist: string): string {
  let names: string[];
  try {
    names = fs
      .readdirSync(dist)
      .filter((n) => n.endsWith(".whl"))
      .sort();
  } catch {
    names = [];
  }
  if (names.length === 1) return path.join(dist, names[0]!);
  throw new InputError(
    dist,
    "(kedro package)",
    names.length === 0
      ? "expected the wheel that `kedro package` builds, found none: run `kedro package` in the project first"
      : `expected one wheel, found ${names.length} (${names.join(", ")}): remove the old ones or name the wheel`,
  );
}

function readBinary(file: string, label: string, fix: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(
      file,
      label,
      `expected a file built by \`kedro package\` (${code}); ${fix}`,
    );
  }
}

/**
 * A wheel older than the code, or a conf tarball older than the conf, is stale: deploying it
 * would ship yesterday's project beside today's manifest. File times are what a build leaves.
 */
function checkFresh(projectDir: string, wheelFile: string, confFile: string): void {
  const entries = projectEntries(projectDir);
  const newest = (keep: (p: string) => boolean) => {
    let best: { path: string; mtime: number } | null = null;
    for (const e of entries) {
      if (!keep(e.path)) continue;
      const mtime = fs.statSync(e.file).mtimeMs;
      if (best === null || mtime > best.mtime) best = { path: e.path, mtime };
    }
    return best;
  };
  const checks: [string, (p: string) => boolean][] = [
    [wheelFile, (p) => p.startsWith("src/") || p === "pyproject.toml"],
    [confFile, (p) => p.startsWith("conf/")],
  ];
  for (const [file, keep] of checks) {
    const source = newest(keep);
    if (source !== null && source.mtime > fs.statSync(file).mtimeMs) {
      throw new InputError(
        file,
        "(kedro package)",
        `is older than ${source.path}: run \`kedro package\` again before deploying`,
      );
    }
  }
}

/** The conf tarball's regular files as `conf/...` entries the project archive's rule ships. */
function confEntries(gz: Buffer, file: string, label: string): ArchiveEntry[] {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(gz);
  } catch (err) {
    throw new InputError(file, label, `expected a .tar.gz (${(err as Error).message})`);
  }
  const members = tarMembers(tar, file, label);
  const tops = new Set(members.map((m) => m.path.split("/")[0]!));
  if (tops.size !== 1) {
    throw new InputError(
      file,
      label,
      `expected one top-level conf folder, found ${tops.size === 0 ? "none" : [...tops].sort().join(", ")}`,
    );
  }
  const entries: ArchiveEntry[] = [];
  for (const m of members) {
    // Kedro names the folder after CONF_SOURCE; the run scripts always read `conf/`.
    const rel = ["conf", ...m.path.split("/").slice(1)].join("/");
    if (rel === "conf" || !archiveVerdict(rel).shipped) continue;
    entries.push({ path: rel, file: `${file}!${m.path}`, executable: m.executable, data: m.data });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

interface TarMember {
  path: string;
  data: Buffer;
  executable: boolean;
}

/** Regular files of a ustar/pax/GNU tar (what GNU and BSD tar write); links and devices are left out. */
export function tarMembers(tar: Buffer, file: string, label: string): TarMember[] {
  const out: TarMember[] = [];
  const bad = (why: string): never => {
    throw new InputError(file, label, `expected a tar archive (${why})`);
  };
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const text = (start: number, len: number) => {
      const field = header.subarray(start, start + len);
      const end = field.indexOf(0);
      return field.subarray(0, end < 0 ? len : end).toString("utf8");
    };
    const size = parseInt(text(124, 12).trim() || "0", 8);
    if (!Number.isFinite(size) || size < 0) bad(`bad size at byte ${offset}`);
    const type = text(156, 1) || "0";
    const data = tar.subarray(offset + 512, offset + 512 + size);
    if (data.length !== size) bad("truncated");
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      const record = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
      if (record) longName = record[1]!;
      continue;
    }
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0+$/, "");
      continue;
    }
    if (type === "g") continue;
    const prefix = text(257, 6).startsWith("ustar") ? text(345, 155) : "";
    const name = longName ?? (prefix === "" ? text(0, 100) : `${prefix}/${text(0, 100)}`);
    longName = null;
    if (type !== "0" && type !== "7") continue; // folders are implied; links are not shipped
    const clean = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
    const segments = clean.split("/");
    if (clean === "" || segments.some((s) => s === "" || s === "." || s === "..")) {
      bad(`unsafe member path ${JSON.stringify(name)}`);
    }
    const mode = parseInt(text(100, 8).trim() || "0", 8);
    out.push({ path: clean, data: Buffer.from(data), executable: (mode & 0o111) !== 0 });
  }
  return out;
}

/** The member names of a zip file, from its central directory. */
export function zipNames(zip: Buffer, file: string, label: string): string[] {
  const bad = (why: string): never => {
    throw new InputError(file, label, `expected a wheel (a zip file): ${why}`);
  };
  // The end-of-central-directory record is in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad("no end of central directory");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) bad("bad central directory");
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    names.push(zip.subarray(at + 46, at + 46 + nameLen).toString("utf8"));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}
