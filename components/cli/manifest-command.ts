import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import { packageRoot } from "../common/paths";
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
 * `--pipeline A,B` / `--all` one manifest per pipeline into the folder `--out DIR`.
 */
export function runManifest(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, {
    project: { type: "string" },
    env: { type: "string" },
    pipeline: { type: "string" },
    all: { type: "boolean" },
    python: { type: "string" },
    out: { type: "string" },
  });
  if (opts.all === true && opts.pipeline !== undefined) {
    throw new UsageError("give --pipeline or --all, not both");
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
  const result = spawnSync(python, [exporterPath(), ...forwarded], {
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
  if (result.stdout) io.stdout(result.stdout);
  if (result.stderr) io.stderr(result.stderr);
  return result.status ?? 1;
}
