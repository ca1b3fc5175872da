import { writeFileAtomic } from "../common/atomic";
import { loadRunConfigFile, normaliseRunConfig } from "../config/load";
import type { RunConfig } from "../config/types";
import { loadManifestFile, loadManifestSet } from "../manifest/load";
import { planPipeline } from "../planning/plan";
import { planToJson, planToMermaid, planToText } from "../planning/report";
import { UsageError, isFolder, parseOptions, required, type Io } from "./io";

/** `plan --manifest FILE [--config FILE] [--json] [--mermaid FILE]` */
export function runPlan(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, {
    manifest: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    mermaid: { type: "string" },
  });
  const manifestFile = required(opts.manifest as string | undefined, "--manifest");
  if (isFolder(manifestFile)) return runPlanSeveral(manifestFile, opts, io);
  const manifest = loadManifestFile(manifestFile);
  const configFile = opts.config as string | undefined;
  const runConfig: RunConfig =
    configFile === undefined
      ? normaliseRunConfig({ run_config: {} }, "defaults")
      : loadRunConfigFile(configFile);
  const plan = planPipeline(manifest, runConfig, { manifest: manifestFile });

  // Everything is computed before anything is written.
  const mermaidFile = opts.mermaid as string | undefined;
  const mermaid = mermaidFile === undefined ? undefined : planToMermaid(plan);
  const out = opts.json ? planToJson(plan) : planToText(plan);
  if (mermaidFile !== undefined) writeFileAtomic(mermaidFile, mermaid!, "--mermaid");
  io.stdout(out);
  for (const key of runConfig.ignoredKeys) {
    io.stderr(
      `kedro-airflow-k8s: warning: ${configFile}: ${key}: seed plugin setting, accepted but not used\n`,
    );
  }
  for (const warning of plan.warnings) io.stderr(`kedro-airflow-k8s: warning: ${warning}\n`);
  return 0;
}

/**
 * `plan --manifest DIR`: every pipeline's plan, in file-name order (text: one after another;
 * `--json`: an array). All are planned before anything is printed.
 */
function runPlanSeveral(
  folder: string,
  opts: Record<string, string | boolean | undefined>,
  io: Io,
): number {
  if (opts.mermaid !== undefined) {
    throw new UsageError("--mermaid draws one pipeline: give --manifest one manifest file");
  }
  const set = loadManifestSet(folder);
  const configFile = opts.config as string | undefined;
  const runConfig: RunConfig =
    configFile === undefined
      ? normaliseRunConfig({ run_config: {} }, "defaults")
      : loadRunConfigFile(configFile);
  const plans = set.map(({ file, manifest }) =>
    planPipeline(manifest, runConfig, { manifest: file }),
  );
  const out = opts.json
    ? `${JSON.stringify(
        plans.map((plan) => JSON.parse(planToJson(plan)) as unknown),
        null,
        2,
      )}\n`
    : plans.map((plan) => planToText(plan)).join("\n");
  io.stdout(out);
  for (const key of runConfig.ignoredKeys) {
    io.stderr(
      `kedro-airflow-k8s: warning: ${configFile}: ${key}: seed plugin setting, accepted but not used\n`,
    );
  }
  for (const plan of plans) {
    for (const warning of plan.warnings) io.stderr(`kedro-airflow-k8s: warning: ${warning}\n`);
  }
  return 0;
}
