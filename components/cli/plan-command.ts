import { writeFileAtomic } from "../common/atomic";
import { chooseRunConfig, describeRunConfigOrigin } from "../config/choose";
import { loadManifestFile, loadManifestSet } from "../manifest/load";
import { planPipeline } from "../planning/plan";
import { planToJson, planToMermaid, planToText } from "../planning/report";
import { UsageError, isFolder, parseOptions, required, type Io } from "./io";

/** `plan --manifest FILE [--config FILE] [--json] [--mermaid FILE]` (the config: --config, else the manifest's runConfig, else defaults) */
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
  // --config wins; else the manifest's runConfig (exported by Kedro's loader); else defaults.
  const chosen = chooseRunConfig(opts.config as string | undefined, manifest, manifestFile, {
    hint: "pass --config FILE",
    allowDefaults: true,
  });
  const runConfig = chosen.config;
  const configFile = chosen.source;
  const plan = planPipeline(manifest, runConfig, { manifest: manifestFile });

  // Everything is computed before anything is written.
  const mermaidFile = opts.mermaid as string | undefined;
  const mermaid = mermaidFile === undefined ? undefined : planToMermaid(plan);
  const out = opts.json
    ? planToJson(plan)
    : planToText(plan, describeRunConfigOrigin(chosen.origin), runConfig.spark.type);
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
  // Each manifest's own runConfig unless --config is given (one file for every pipeline).
  const chosen = set.map(({ file, manifest }) =>
    chooseRunConfig(opts.config as string | undefined, manifest, file, {
      hint: "pass --config FILE",
      allowDefaults: true,
    }),
  );
  const plans = set.map(({ file, manifest }, i) =>
    planPipeline(manifest, chosen[i]!.config, { manifest: file }),
  );
  const out = opts.json
    ? `${JSON.stringify(
        plans.map((plan) => JSON.parse(planToJson(plan)) as unknown),
        null,
        2,
      )}\n`
    : plans
        .map((plan, i) =>
          planToText(
            plan,
            describeRunConfigOrigin(chosen[i]!.origin),
            chosen[i]!.config.spark.type,
          ),
        )
        .join("\n");
  io.stdout(out);
  const warned = new Set<string>();
  for (const { config, source } of chosen) {
    for (const key of config.ignoredKeys) {
      const line = `kedro-airflow-k8s: warning: ${source}: ${key}: seed plugin setting, accepted but not used\n`;
      if (!warned.has(line)) io.stderr(line);
      warned.add(line);
    }
  }
  for (const plan of plans) {
    for (const warning of plan.warnings) io.stderr(`kedro-airflow-k8s: warning: ${warning}\n`);
  }
  return 0;
}
