import { writeFileAtomic } from "../common/atomic";
import { loadRunConfigFile, normaliseRunConfig } from "../config/load";
import type { RunConfig } from "../config/types";
import { loadManifestFile } from "../manifest/load";
import { planPipeline } from "../planning/plan";
import { planToJson, planToMermaid, planToText } from "../planning/report";
import { parseOptions, required, type Io } from "./io";

/** `plan --manifest FILE [--config FILE] [--json] [--mermaid FILE]` */
export function runPlan(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, {
    manifest: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    mermaid: { type: "string" },
  });
  const manifestFile = required(opts.manifest as string | undefined, "--manifest");
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
