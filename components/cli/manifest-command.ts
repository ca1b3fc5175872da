import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../common/errors";
import { packageRoot } from "../common/paths";
import { diffManifests } from "../manifest/diff";
import { loadManifestFile, loadManifestSet } from "../manifest/load";
import { UsageError, parseOptions, required, type Io } from "./io";

/** The exporter runs under the user's own interpreter, the one that has their project installed. */
export function exporterPath(): string {
  return path.join(packageRoot(), "python", "kedro_airflow_k8s_export.py");
}

/** The project's `.venv` interpreter if it has one, else `python3` from PATH. */
export function defaultPython(projectDir: string): string {
  const venvPython = path.join(projectDir, ".venv", "bin", "python");
  return fs.existsSync(venvPython) ? venvPython : "python3";
}

/**
 * `manifest --project DIR [--env E] [--pipeline P] [--python PATH] [--out FILE]`, or with
 * `--pipeline A,B` / `--all` one manifest per pipeline into the folder `--out DIR`, or
 * `... --check FILE`: exit 0 when a fresh export equals FILE, 1 when it does not.
 */
export function runManifest(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, {
    project: { type: "string" },
    env: { type: "string" },
    pipeline: { type: "string" },
    all: { type: "boolean" },
    python: { type: "string" },
    out: { type: "string" },
    check: { type: "string" },
  });
  if (opts.all === true && opts.pipeline !== undefined) {
    throw new UsageError("give --pipeline or --all, not both");
  }
  const checkFile = opts.check as string | undefined;
  if (checkFile !== undefined && opts.out !== undefined) {
    throw new UsageError(
      "--check compares a fresh export with FILE and writes nothing: drop --out",
    );
  }
  const project = required(opts.project as string | undefined, "--project");
  if (!fs.existsSync(project) || !fs.statSync(project).isDirectory()) {
    throw new InputError(project, "--project", "expected a Kedro project folder, found none");
  }
  const python = (opts.python as string | undefined) ?? defaultPython(project);
  const forwarded: string[] = ["--project", project];
  for (const key of ["env", "pipeline", "out"] as const) {
    const value = opts[key] as string | undefined;
    if (value !== undefined) forwarded.push(`--${key}`, value);
  }
  if (opts.all === true) forwarded.push("--all");
  const several = opts.all === true || String(opts.pipeline ?? "").includes(",");
  if (checkFile !== undefined) {
    return several
      ? checkManifestFolder(checkFile, opts.all === true, python, forwarded, io)
      : checkManifest(checkFile, python, forwarded, io);
  }
  const result = runExporter(python, [...forwarded]);
  if (result.stdout) io.stdout(result.stdout);
  if (result.stderr) io.stderr(result.stderr);
  return result.status ?? 1;
}

/**
 * `manifest --check FILE`: exports afresh (to memory) and compares with FILE byte for byte, the
 * way a CI job guards a committed manifest before `pulumi preview`. Exit 0: equal; 1: stale,
 * with a short summary of what differs on stdout; 2: FILE is no manifest, or the export failed.
 */
function checkManifest(file: string, python: string, forwarded: string[], io: Io): number {
  loadManifestFile(file); // an unreadable or invalid FILE is bad input (exit 2), before any export
  const committedText = fs.readFileSync(file, "utf8");
  const result = runExporter(python, [...forwarded]);
  if (result.stderr) io.stderr(result.stderr);
  // The exporter said why on stderr; whatever its code, the check could not be made.
  if (result.status !== 0) return 2;
  const freshText = result.stdout;
  if (freshText === committedText) {
    io.stdout(`${file}: up to date (equal to a fresh export)\n`);
    return 0;
  }
  const lines = diffManifests(JSON.parse(committedText), JSON.parse(freshText));
  io.stdout(
    `${file}: stale (a fresh export differs; run this command with --out ${file} instead of --check)\n`,
  );
  if (lines.length === 0) lines.push("formatting only (same facts, other bytes)");
  for (const line of lines) io.stdout(`  ${line}\n`);
  return 1;
}

/**
 * `manifest --all --check DIR` (or `--pipeline A,B --check DIR`): exports the pipelines afresh
 * into a scratch folder and compares each with its file in DIR, by the exporter's file names.
 * With `--all`, a manifest of the project in DIR that is no longer exported is stale too; with
 * a list, only the listed pipelines are compared.
 */
function checkManifestFolder(
  folder: string,
  all: boolean,
  python: string,
  forwarded: string[],
  io: Io,
): number {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new InputError(
      folder,
      "--check",
      "expected the folder that `manifest --all --out DIR` wrote (several pipelines are checked as a folder)",
    );
  }
  const committed = new Map(loadManifestSet(folder).map((m) => [path.basename(m.file), m]));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kak-check-"));
  try {
    const result = runExporter(python, [...forwarded, "--out", scratch]);
    if (result.stderr) io.stderr(result.stderr);
    if (result.status !== 0) return 2;
    const fresh = fs
      .readdirSync(scratch)
      .filter((n) => n.endsWith(".json"))
      .sort();
    const report: string[] = [];
    for (const name of fresh) {
      const freshText = fs.readFileSync(path.join(scratch, name), "utf8");
      const old = committed.get(name);
      if (old === undefined) {
        report.push(`${name}: missing (a pipeline that is exported now)`);
        continue;
      }
      const oldText = fs.readFileSync(old.file, "utf8");
      if (oldText === freshText) continue;
      const lines = diffManifests(JSON.parse(oldText), JSON.parse(freshText));
      report.push(`${name}: stale`);
      if (lines.length === 0) lines.push("formatting only (same facts, other bytes)");
      for (const line of lines) report.push(`  ${line}`);
    }
    if (all) {
      for (const [name, old] of committed) {
        if (!fresh.includes(name)) {
          report.push(
            `${name}: pipeline ${JSON.stringify(old.manifest.pipeline)} is no longer registered`,
          );
        }
      }
    }
    if (report.length === 0) {
      io.stdout(`${folder}: up to date (${fresh.length} manifests equal a fresh export)\n`);
      return 0;
    }
    io.stdout(
      `${folder}: stale (a fresh export differs; run this command with --out ${folder} instead of --check)\n`,
    );
    for (const line of report) io.stdout(`  ${line}\n`);
    return 1;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs the exporter under `python`; an interpreter that cannot be started is bad input. */
function runExporter(python: string, args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync(python, [exporterPath(), ...args], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code ?? String(result.error);
    throw new InputError(
      python,
      "--python",
      `expected a Python interpreter that can be run (${code})`,
    );
  }
  return result;
}
