/**
 * One benchmark process for one manifest (run.ts starts it with --trace-gc): warm-up runs,
 * then measured runs of the floor and of the planner's three stages. Prints one
 * `BENCH_RESULT {...}` line.
 *
 *   node --trace-gc worker.js --manifest FILE --runs N --warmup W [--budget S]
 *   node worker.js --mode breakdown --manifest FILE --runs N --warmup W
 *   node --trace-gc worker.js --mode memory --manifest FILE
 *
 * `breakdown` times the steps inside the stages one by one (the planner's own functions,
 * called in turn), to show where the time goes. `memory` is one pass in a fresh process, as
 * one CLI call makes it (the DAG text is written to /dev/null), for its peak memory.
 */
import * as fs from "node:fs";
import { normaliseRunConfig } from "../components/config/load";
import type { RunConfig } from "../components/config/types";
import { buildPipelineGraph } from "../components/manifest/graph";
import { normaliseManifest, parseManifestText } from "../components/manifest/load";
import { Catalog, detectSparkNodes } from "../components/planning/detect";
import { groupPipeline } from "../components/planning/group";
import { planPipeline, type PlanCounts } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";
import { buildDagView } from "../components/rendering/dag";
import { RUN_CONFIG_OBJECT, median, parseFlags, printResult, timed, withinBudget } from "./common";

export interface WorkerResult {
  counts: PlanCounts;
  manifestBytes: number;
  dagBytes: number;
  artifacts: number;
  warmup: number;
  runs: number;
  /** The first run in the fresh process (cold JIT), as a one-shot CLI call pays it. */
  firstRunMs: number;
  /** Milliseconds of each measured run, per phase. */
  samples: Record<Phase, number[]>;
  medians: Record<Phase, number>;
  /** Kernel high-water mark of the process RSS (all runs), and RSS once modules are loaded. */
  maxRssMb: number;
  baselineRssMb: number;
  /** heapUsed sampled after each phase (before any collection): a lower bound of the peak. */
  sampledHeapMb: number;
}

export type Phase = "read" | "load" | "plan" | "render" | "total" | "floor";

export type Step =
  | "read"
  | "JSON.parse"
  | "validate+normalise"
  | "graph"
  | "detect"
  | "group"
  | "planPipeline (graph + detect + group + assembly)"
  | "DAG view"
  | "compileProject (DAG view + templates)";

export interface BreakdownResult {
  runs: number;
  /** Median milliseconds of each step. */
  medians: Record<Step, number>;
}

const USAGE =
  "usage: worker.js [--mode time|breakdown] --manifest FILE [--runs 11] [--warmup 2] [--budget 240]";

function main(): void {
  const flags = parseFlags(
    process.argv.slice(2),
    { mode: "time", manifest: "", runs: "11", warmup: "2", budget: "240" },
    USAGE,
  );
  const file = flags["manifest"]!;
  const config = normaliseRunConfig(RUN_CONFIG_OBJECT, "bench");
  if (flags["mode"] === "memory") {
    printResult(onePass(file, config));
    return;
  }
  if (flags["mode"] === "breakdown") {
    printResult(breakdown(file, config, Number(flags["warmup"]), Number(flags["runs"])));
    return;
  }
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  let sampledHeap = 0;
  const sampleHeap = () => {
    sampledHeap = Math.max(sampledHeap, process.memoryUsage().heapUsed);
  };

  /** The floor: read the text, JSON.parse it, touch every input and output of every node. */
  const floor = (): number => {
    const text = fs.readFileSync(file, "utf8");
    const data = JSON.parse(text) as { nodes: { inputs: string[]; outputs: string[] }[] };
    let touched = 0;
    for (const node of data.nodes) {
      for (const name of node.inputs) touched += name.length;
      for (const name of node.outputs) touched += name.length;
    }
    sampleHeap();
    return touched;
  };

  /** The planner as the CLI and the component run it: load + validate, plan, render. */
  const pipeline = () => {
    const [text, read] = timed(() => fs.readFileSync(file, "utf8"));
    const [manifest, load] = timed(() => parseManifestText(text, "bench"));
    sampleHeap();
    const [plan, planMs] = timed(() => planPipeline(manifest, config));
    sampleHeap();
    const [compiled, render] = timed(() =>
      compileProject({
        manifest,
        plan,
        config,
        manifestSource: "bench",
        configSource: "bench",
        factory: null,
        projectDir: null,
      }),
    );
    sampleHeap();
    // Only numbers leave: the products die here, so runs never hold two of them at once.
    return {
      counts: plan.counts,
      manifestBytes: Buffer.byteLength(text),
      dagBytes: Buffer.byteLength(compiled.dag.content),
      artifacts: compiled.artifacts.length,
      times: { read, load, plan: planMs, render },
    };
  };

  const samples: Record<Phase, number[]> = {
    read: [],
    load: [],
    plan: [],
    render: [],
    total: [],
    floor: [],
  };
  let warmup = Number(flags["warmup"]);
  let runs = Number(flags["runs"]);
  const budgetMs = Number(flags["budget"]) * 1000;
  let last: ReturnType<typeof pipeline> | null = null;
  let firstRunMs = 0;
  for (let i = 0; i < warmup + runs; i++) {
    // No forced collections: a forced full GC makes the next few milliseconds of allocation
    // several times slower (measured: 1.9 -> 10 ms for grouping 1,000 nodes), which would
    // charge a cost to the planner that a real run never pays. Each run pays for the
    // collections it triggers; the floor and the planner alternate, so neither always
    // inherits the other's garbage.
    let floorMs = 0;
    if (i % 2 === 0) [, floorMs] = timed(floor);
    const run = pipeline();
    if (i % 2 === 1) [, floorMs] = timed(floor);
    const total = run.times.read + run.times.load + run.times.plan + run.times.render;
    last = run;
    if (i === 0) {
      firstRunMs = total;
      [warmup, runs] = withinBudget(total, warmup, runs, budgetMs);
    }
    if (i < warmup) continue;
    samples.read.push(run.times.read);
    samples.load.push(run.times.read + run.times.load);
    samples.plan.push(run.times.plan);
    samples.render.push(run.times.render);
    samples.total.push(total);
    samples.floor.push(floorMs);
  }

  const medians = Object.fromEntries(
    Object.entries(samples).map(([phase, values]) => [phase, median(values)]),
  ) as Record<Phase, number>;
  const result: WorkerResult = {
    counts: last!.counts,
    manifestBytes: last!.manifestBytes,
    dagBytes: last!.dagBytes,
    artifacts: last!.artifacts,
    warmup,
    runs,
    firstRunMs,
    samples,
    medians,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    baselineRssMb,
    sampledHeapMb: sampledHeap / 2 ** 20,
  };
  printResult(result);
}

export interface MemoryResult {
  /** Kernel high-water mark of the RSS, and the RSS once modules are loaded. */
  maxRssMb: number;
  baselineRssMb: number;
  totalMs: number;
}

/** One cold pass, as the CLI makes it: read, load, plan, render, write the DAG out. */
function onePass(file: string, config: RunConfig): MemoryResult {
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  const [, totalMs] = timed(() => {
    const manifest = parseManifestText(fs.readFileSync(file, "utf8"), "bench");
    const plan = planPipeline(manifest, config);
    const compiled = compileProject({
      manifest,
      plan,
      config,
      manifestSource: "bench",
      configSource: "bench",
      factory: null,
      projectDir: null,
    });
    fs.writeFileSync("/dev/null", compiled.dag.content);
  });
  return { maxRssMb: process.resourceUsage().maxRSS / 1024, baselineRssMb, totalMs };
}

/** The steps inside the stages, one by one. */
function breakdown(file: string, config: RunConfig, warmup: number, runs: number): BreakdownResult {
  const samples = new Map<Step, number[]>();
  for (let i = 0; i < warmup + runs; i++) {
    const times: [Step, number][] = [];
    const step = <T>(name: Step, fn: () => T): T => {
      const [value, elapsed] = timed(fn);
      times.push([name, elapsed]);
      return value;
    };
    const text = step("read", () => fs.readFileSync(file, "utf8"));
    const data = step("JSON.parse", () => JSON.parse(text) as unknown);
    const manifest = step("validate+normalise", () => normaliseManifest(data, "bench"));
    const graph = step("graph", () => buildPipelineGraph(manifest, "bench"));
    const catalog = new Catalog(manifest.datasets, config.spark.datasetTypes);
    const detected = step("detect", () => detectSparkNodes(graph, catalog));
    step("group", () => groupPipeline(graph, detected, catalog, { groupSparkNodes: true }));
    const plan = step("planPipeline (graph + detect + group + assembly)", () =>
      planPipeline(manifest, config),
    );
    const runScripts = Object.fromEntries(
      plan.groups
        .filter((g) => g.kind === "spark")
        .map((g) => [g.name, `gs://bench-artifacts/a/${g.name}.py`]),
    );
    const sources = { manifestSource: "bench", configSource: "bench", factory: null };
    const view = { runScripts, initScript: "gs://bench-artifacts/a/init.sh" };
    step("DAG view", () => buildDagView({ manifest, plan, config, ...sources, artifacts: view }));
    step("compileProject (DAG view + templates)", () =>
      compileProject({ manifest, plan, config, ...sources, projectDir: null }),
    );
    if (i < warmup) continue;
    for (const [name, t] of times) samples.set(name, [...(samples.get(name) ?? []), t]);
  }

  return {
    runs,
    medians: Object.fromEntries(
      [...samples].map(([name, values]) => [name, median(values)]),
    ) as Record<Step, number>,
  };
}

if (require.main === module) main();
