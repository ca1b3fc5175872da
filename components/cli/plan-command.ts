import { writeFileAtomic } from "../common/atomic";
import { chooseRunConfig, describeRunConfigOrigin } from "../config/choose";
import { loadManifestFile } from "../manifest/load";
import { planPipeline } from "../planning/plan";
import { planToJson, planToMermaid, planToText } from "../planning/report";
import { parseOptions, required, type Io } from "./io";

/** `plan --manifest FILE [--config FILE] [--json] [--mermaid FILE]` (the config: --config, else the manifest's runConfig, else defaults) */
export function runPlan(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, {
    manifest: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    mermaid: { type: "string" },
  });
  const manifestFile = required(opts.manifest as string | undefined, "--manifest");
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
    : planToText(plan, describeRunConfigOrigin(chosen.origin));
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
