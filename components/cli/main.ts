#!/usr/bin/env node
import { InputError } from "../common/errors";
import { runCompile } from "./compile-command";
import { runManifest } from "./manifest-command";
import { runPlan } from "./plan-command";
import { UsageError, type Io } from "./io";

const USAGE = `Usage: kedro-airflow-k8s <command> [options]

Commands:
  plan      --manifest FILE [--config FILE] [--json] [--mermaid FILE]
            Detect Spark nodes, group nodes into Airflow tasks and show the plan.
  compile   --manifest FILE --config FILE --out DIR [--project DIR] [--env ENV]
            Write DIR/dags/<dag_id>.py and DIR/artifacts/* (init and run scripts) for the plan.
            --env is the Kedro env the tasks run in (default: run_config.env, else none).
  manifest  --project DIR [--env ENV] [--pipeline NAME] [--python PATH] [--out FILE]
            Export a Kedro project's pipeline as a manifest (runs the project's Python).

Exit codes: 0 success, 2 bad input or usage (one line on stderr), 1 internal error.
`;

/** Runs one CLI invocation; returns the exit code. All output goes through `io`. */
export function run(argv: readonly string[], io: Io): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "plan":
        return runPlan(rest, io);
      case "manifest":
        return runManifest(rest, io);
      case "compile":
        return runCompile(rest, io);
      case "-h":
      case "--help":
      case "help":
        io.stdout(USAGE);
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
    io.stderr(
      `kedro-airflow-k8s: internal error (please report it): ${(err as Error).stack ?? String(err)}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  const code = run(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
  process.exitCode = code;
}
