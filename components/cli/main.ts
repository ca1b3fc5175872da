#!/usr/bin/env node
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import { packageRoot } from "../common/paths";
import { UsageError, type Io } from "./io";

/*
 * Each command's module is loaded when the command runs, so that `plan` never loads the
 * renderer (Handlebars) nor `--version` anything: a CLI call pays only for what it uses.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const commands = {
  plan: () => (require("./plan-command") as typeof import("./plan-command")).runPlan,
  compile: () => (require("./compile-command") as typeof import("./compile-command")).runCompile,
  manifest: () =>
    (require("./manifest-command") as typeof import("./manifest-command")).runManifest,
};
/* eslint-enable @typescript-eslint/no-require-imports */

const USAGE = `Usage: kedro-airflow-k8s <command> [options]

Commands:
  plan      --manifest FILE|DIR [--config FILE] [--json] [--mermaid FILE]
            Detect Spark nodes, group nodes into Airflow tasks and show the plan.
            The run config: --config, else the manifest's runConfig, else defaults.
  compile   --manifest FILE|DIR [--config FILE] --out DIR [--project DIR] [--env ENV]
            Write DIR/dags/<dag_id>.py and DIR/artifacts/* (init and run scripts) for the plan.
            --env is the Kedro env the tasks run in (default: run_config.env, else none).
            Without --config: the manifest's runConfig, the project the manifest's folder.
            [--wheel FILE] [--conf-archive FILE]: with run_config.packaging kedro-package,
            the files of \`kedro package\` (default: the project's dist/).
            [--peers FILE|DIR]: manifests of other DAGs deployed alongside (a DIR given as
            --manifest is its own set): the datasets they write become Asset inlets here.
  manifest  --project DIR [--env ENV] [--pipeline NAME] [--python PATH] [--out FILE | --check FILE]
            Export a Kedro project's pipeline as a manifest (runs the project's Python).
            --pipeline A,B or --all: one manifest per pipeline, into the folder --out DIR.
            --check FILE|DIR: exit 0 if it equals a fresh export, else 1 and what differs.

  A DIR given as --manifest holds several manifests (manifest --all --out DIR): one DAG each.

  --version Print the version.

Exit codes: 0 success, 2 bad input or usage (one line on stderr), 1 internal error
(manifest --check: 1 means FILE is stale).
`;

/** Runs one CLI invocation; returns the exit code. All output goes through `io`. */
export function run(argv: readonly string[], io: Io): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "plan":
      case "manifest":
      case "compile":
        return commands[command]()(rest, io);
      case "-h":
      case "--help":
      case "help":
        io.stdout(USAGE);
        return 0;
      case "--version":
        io.stdout(`${packageVersion()}\n`);
        return 0;
      case undefined:
        throw new UsageError("a command is required");
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof InputError) {
      for (const line of err.message.split("\n")) io.stderr(`kedro-airflow-k8s: error: ${line}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.stderr(`kedro-airflow-k8s: usage error: ${err.message} (see kedro-airflow-k8s --help)\n`);
      return 2;
    }
    // parseArgs reports unknown or malformed options with these codes.
    const code = (err as { code?: string }).code;
    if (code !== undefined && code.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(
        `kedro-airflow-k8s: usage error: ${(err as Error).message} (see kedro-airflow-k8s --help)\n`,
      );
      return 2;
    }
    // A file-system error on a path the user gave (a file the project archive reads, say) is
    // about their files, not a bug; one in this package's own files is a broken install.
    const fsError = err as NodeJS.ErrnoException;
    if (code !== undefined && typeof fsError.syscall === "string" && isUserPath(fsError.path)) {
      io.stderr(`kedro-airflow-k8s: error: ${fsError.path}: ${fsError.syscall} failed (${code})\n`);
      return 2;
    }
    io.stderr(
      `kedro-airflow-k8s: internal error (please report it): ${(err as Error).stack ?? String(err)}\n`,
    );
    return 1;
  }
}

function packageVersion(): string {
  const file = path.join(packageRoot(), "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** This package's own files: what is wrong with them is a broken install, not bad input. */
const OWN_FILES = new Set(["package.json", "dist", "templates", "docs", "python", "node_modules"]);

function isUserPath(file: string | undefined): file is string {
  if (file === undefined) return false;
  const rel = path.relative(packageRoot(), path.resolve(file));
  const top = rel.split(path.sep)[0]!;
  return top === ".." || path.isAbsolute(rel) || !OWN_FILES.has(top);
}

/** The CLI as a process runs it: its arguments, its standard streams, its exit code. */
export function main(): void {
  process.exitCode = run(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

if (require.main === module) main();
