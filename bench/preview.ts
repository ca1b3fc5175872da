/**
 * Preview cost of the Pulumi component: constructs KedroAirflowDeployment under Pulumi's mocks
 * in preview mode and waits until every output of it and of its children has resolved.
 * Prints one `BENCH_RESULT {...}` line.
 *
 *   node preview.js --manifest FILE [--runs 7] [--warmup 2] [--budget 150]
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import {
  RUN_CONFIG_OBJECT,
  median,
  parseFlags,
  printResult,
  timed,
  tinyProject,
  withinBudget,
} from "./common";

export interface PreviewResult {
  nodes: number;
  resources: number;
  warmup: number;
  runs: number;
  /** Loading the component module (@pulumi/gcp, @pulumi/kubernetes): paid once per program. */
  moduleLoadMs: number;
  samples: { prepare: number[]; construct: number[]; resolved: number[] };
  medians: { prepare: number; construct: number; resolved: number };
  /** Peak RSS once the first component has resolved (one prepareDeployment run before it). */
  firstMaxRssMb: number;
  /** Peak RSS of the process after all constructions (components are never freed). */
  maxRssMb: number;
}

const USAGE = "usage: preview.js --manifest FILE [--runs 7] [--warmup 2] [--budget 150]";

/** Resolves once every output has a value (they are all known under these mocks). */
function allResolved(outputs: pulumi.Output<unknown>[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bench: outputs still unresolved after ${timeoutMs} ms`)),
      timeoutMs,
    );
    pulumi.all(outputs).apply(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const flags = parseFlags(
    process.argv.slice(2),
    { manifest: "", runs: "7", warmup: "2", budget: "150" },
    USAGE,
  );
  const manifest = JSON.parse(fs.readFileSync(flags["manifest"]!, "utf8")) as { nodes: unknown[] };
  const projectDir = tinyProject();

  pulumi.runtime.setMocks(
    {
      newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }),
      call: (a) => a.inputs,
    },
    "proj",
    "stack",
    true,
  );
  const loadStart = process.hrtime.bigint();
  const { KedroAirflowDeployment } = await import("../components/index.js");
  const { prepareDeployment } = await import("../components/resources/prepare.js");
  const moduleLoadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

  const args = { manifest, runConfig: RUN_CONFIG_OBJECT, dagBucket: "b", projectDir };
  let warmup = Number(flags["warmup"]);
  let runs = Number(flags["runs"]);
  const samples: PreviewResult["samples"] = { prepare: [], construct: [], resolved: [] };
  let resources = 0;
  let firstMaxRssMb = 0;
  for (let i = 0; i < warmup + runs; i++) {
    // The pure part alone (load, plan, render, archive), for comparison.
    const [, prepareMs] = timed(() => prepareDeployment(args));
    const start = process.hrtime.bigint();
    // Each run deploys its own DAG: one program may not deploy the same DAG twice
    // (component.ts claimIdentity), and every run here shares the mock monitor.
    const runConfig = { run_config: { ...RUN_CONFIG_OBJECT.run_config, run_name: `bench-${i}` } };
    const component = new KedroAirflowDeployment(`bench-${i}`, { ...args, runConfig });
    const constructMs = Number(process.hrtime.bigint() - start) / 1e6;
    const children = [component.dagObject, ...Object.values(component.artifactObjects)];
    await allResolved(
      [
        component.urn,
        component.dagId,
        component.dagObjectName,
        component.dagText,
        component.artifactUris,
        component.sparkJobCount,
        component.groups,
        ...children.flatMap((child) => [child.urn, child.id, child.name, child.bucket]),
      ],
      600_000,
    );
    const resolvedMs = Number(process.hrtime.bigint() - start) / 1e6;
    resources = children.length + 1;
    if (i === 0) {
      firstMaxRssMb = process.resourceUsage().maxRSS / 1024;
      const budgetMs = Number(flags["budget"]) * 1000;
      [warmup, runs] = withinBudget(prepareMs + resolvedMs, warmup, runs, budgetMs);
    }
    if (i < warmup) continue;
    samples.prepare.push(prepareMs);
    samples.construct.push(constructMs);
    samples.resolved.push(resolvedMs);
  }
  const result: PreviewResult = {
    nodes: manifest.nodes.length,
    resources,
    warmup,
    runs,
    moduleLoadMs,
    samples,
    medians: {
      prepare: median(samples.prepare),
      construct: median(samples.construct),
      resolved: median(samples.resolved),
    },
    firstMaxRssMb,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  printResult(result);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
