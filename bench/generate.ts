/**
 * Seeded generator of Kedro-like manifests (manifest v1) for the benchmarks.
 *
 * The pipeline is a chain of modular pipelines (namespaces, some nested), each laid out in
 * Kedro's data layers (raw -> intermediate -> primary -> feature -> model input -> model ->
 * model output -> reporting). Nodes read mostly from the layer just above, sometimes from
 * further up or from an earlier namespace (fan-in), and a few "hub" datasets are read by many
 * nodes (fan-out). Spark work is clustered: some namespaces run one or two of their middle
 * layers on Spark, detected by all three catalog/type rules (tags, DataFrame hints, Spark
 * datasets), with transcoded `x@spark` / `x@pandas` pairs between Spark and pandas layers.
 * A few outputs are in-memory (no catalog entry), nodes take `params:` inputs, and a handful
 * of tagged Spark nodes sit in pandas layers (they make "sandwiched" default nodes).
 *
 * Guarantees: node names are unique, every dataset a node reads is produced by exactly one
 * earlier node (layer-0 nodes read only parameters), so the list is in topological order and
 * acyclic; the same (nodes, seed) always gives the same text.
 *
 *   node <out>/bench/generate.js --nodes 1000 [--seed 42] [--out FILE]
 */
import * as fs from "node:fs";

export const SPARK_TAG = "kedro-airflow-k8s:group:pyspark";
const SPARK_DF = "pyspark.sql.dataframe.DataFrame";
const PANDAS_DF = "pandas.core.frame.DataFrame";

/** Catalog entries as the exporter writes them: configured type and resolved class. */
const CATALOG = {
  spark: {
    type: "spark.SparkDataset",
    classes: ["kedro_datasets.spark.spark_dataset.SparkDataset"],
  },
  parquet: {
    type: "pandas.ParquetDataset",
    classes: ["kedro_datasets.pandas.parquet_dataset.ParquetDataset"],
  },
  csv: { type: "pandas.CSVDataset", classes: ["kedro_datasets.pandas.csv_dataset.CSVDataset"] },
  pickle: {
    type: "pickle.PickleDataset",
    classes: ["kedro_datasets.pickle.pickle_dataset.PickleDataset"],
  },
  json: { type: "json.JSONDataset", classes: ["kedro_datasets.json.json_dataset.JSONDataset"] },
} as const;

export interface RawNode {
  name: string;
  func: string;
  namespace: string | null;
  inputs: string[];
  outputs: string[];
  tags: string[];
  inputTypes: string[];
  outputTypes: string[];
}

export interface RawManifest {
  schemaVersion: 1;
  project: { name: string; package: string; kedroVersion: string };
  pipeline: string;
  env: string | null;
  nodes: RawNode[];
  datasets: Record<string, { type: string; classes: string[] }>;
  warnings: string[];
}

/** What the generator put in, to check a run against (the planner reports its own counts). */
export interface GeneratedStats {
  nodes: number;
  sparkNodes: number;
  namespaces: number;
  datasets: number;
  inMemory: number;
  transcoded: number;
  parameterInputs: number;
}

/** A small, fast, seeded PRNG (32-bit state, Weyl sequence plus an xor-multiply finaliser). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ 0x5bd1e995) >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 0x1_0000_0000;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** An index in [0, length) biased towards 0; the larger `power`, the stronger the bias. */
  skewed(length: number, power = 2): number {
    return Math.floor(Math.pow(this.next(), power) * length);
  }
}

const LAYERS = [
  { name: "raw", short: "raw", verbs: ["ingest", "extract", "load"] },
  { name: "intermediate", short: "int", verbs: ["clean", "parse", "deduplicate", "standardise"] },
  { name: "primary", short: "prm", verbs: ["join", "conform", "merge", "reconcile"] },
  { name: "feature", short: "fea", verbs: ["build", "aggregate", "encode", "window"] },
  { name: "model_input", short: "mi", verbs: ["assemble", "split", "sample"] },
  { name: "models", short: "mdl", verbs: ["train", "fit", "tune"] },
  { name: "model_output", short: "mo", verbs: ["predict", "score", "evaluate"] },
  { name: "reporting", short: "rpt", verbs: ["report", "plot", "summarise"] },
] as const;
/** Layers that a "big data" namespace may run on Spark (indexes into LAYERS). */
const SPARK_CANDIDATE_LAYERS = [1, 2, 3, 4];

const DOMAINS = [
  "sales",
  "marketing",
  "supply",
  "finance",
  "risk",
  "customer",
  "product",
  "logistics",
  "pricing",
  "inventory",
  "fraud",
  "churn",
];
const REGIONS = ["eu", "us", "apac", "latam"];
const NOUNS = [
  "orders",
  "customers",
  "shipments",
  "invoices",
  "sessions",
  "events",
  "products",
  "stores",
  "returns",
  "payments",
  "clicks",
  "visits",
  "claims",
  "accounts",
  "contracts",
  "suppliers",
];

/** How a dataset may be read. `pandas`: by a default node as written; `spark`: by Spark nodes. */
interface Produced {
  /** The name a pandas (default) node reads, or null if pandas nodes must not read it. */
  pandasName: string | null;
  /** The name a Spark node reads, or null if Spark nodes must not read it. */
  sparkName: string | null;
  /** In-memory data: few readers, so that groups stay small. */
  inMemory: boolean;
  readers: number;
}

const TARGET_SPARK_SHARE = 0.2;
const MAX_SPARK_SHARE = 0.26;
const MIN_SPARK_SHARE = 0.1;

/** Generates a manifest of exactly `nodeCount` nodes. */
export function generateManifest(
  nodeCount: number,
  seed = 42,
): { manifest: RawManifest; stats: GeneratedStats } {
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    throw new Error(`--nodes: expected a positive integer, got ${nodeCount}`);
  }
  const rng = new Rng(seed * 2654435761 + nodeCount);
  const nodes: RawNode[] = [];
  const datasets: RawManifest["datasets"] = {};
  const stats: GeneratedStats = {
    nodes: 0,
    sparkNodes: 0,
    namespaces: 0,
    datasets: 0,
    inMemory: 0,
    transcoded: 0,
    parameterInputs: 0,
  };
  /** Datasets other namespaces may read (their primary, feature and model output layers). */
  const shared: Produced[] = [];
  const usedNamespaces = new Set<string>();

  let remaining = nodeCount;
  while (remaining > 0) {
    let size = Math.min(remaining, rng.int(20, 110));
    if (remaining - size < 12) size = remaining;
    remaining -= size;
    const ns = namespaceName(rng, usedNamespaces);
    stats.namespaces += 1;
    buildNamespace(ns, size, remaining === 0);
  }

  function namespaceName(r: Rng, used: Set<string>): string {
    for (;;) {
      const base = `${r.pick(DOMAINS)}_${String(r.int(0, 99)).padStart(2, "0")}`;
      const name = r.chance(0.3) ? `${r.pick(REGIONS)}.${base}` : base;
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
  }

  function buildNamespace(ns: string, size: number, last: boolean): void {
    // Which layers this namespace has (raw always first), and how many nodes each holds.
    const layerIds = [0];
    for (let l = 1; l < LAYERS.length; l++) if (rng.chance(0.7)) layerIds.push(l);
    if (layerIds.length < 3) layerIds.push(...[2, 3].filter((l) => !layerIds.includes(l)));
    if (!layerIds.some((l) => SPARK_CANDIDATE_LAYERS.includes(l))) layerIds.push(2);
    layerIds.sort((a, b) => a - b);
    const sizes = splitSizes(size, layerIds.length);

    // Spark layers: the share so far steers the choice, so any size lands near the target.
    const sparkLayers = new Set<number>();
    const share = stats.nodes === 0 ? 0 : stats.sparkNodes / stats.nodes;
    const candidates = layerIds.filter((l) => SPARK_CANDIDATE_LAYERS.includes(l));
    // The share with these layers on Spark, were they chosen: keeps small pipelines in range too.
    const projected = (extra: number[]) =>
      (stats.sparkNodes + extra.reduce((sum, l) => sum + sizes[layerIds.indexOf(l)]!, 0)) /
      (stats.nodes + size);
    let fitting = candidates.filter((l) => projected([l]) <= MAX_SPARK_SHARE);
    if (fitting.length === 0 && share < MIN_SPARK_SHARE && candidates.length > 0) {
      const sizeOf = (l: number) => sizes[layerIds.indexOf(l)]!;
      fitting = [candidates.reduce((a, b) => (sizeOf(b) < sizeOf(a) ? b : a))];
    }
    if (
      fitting.length > 0 &&
      rng.chance(
        share < MIN_SPARK_SHARE || (last && stats.sparkNodes / nodeCount < MIN_SPARK_SHARE)
          ? 1
          : share < TARGET_SPARK_SHARE
            ? 0.75
            : 0.15,
      )
    ) {
      const first = candidates.indexOf(rng.pick(fitting));
      sparkLayers.add(candidates[first]!);
      const second = first + (rng.chance(0.2) ? 2 : 1); // 20 %: a pandas layer in between
      if (
        rng.chance(0.55) &&
        second < candidates.length &&
        projected([candidates[first]!, candidates[second]!]) <= MAX_SPARK_SHARE
      ) {
        sparkLayers.add(candidates[second]!);
      }
    }

    const byLayer: Produced[][] = [];
    let counter = 0;
    layerIds.forEach((layerId, position) => {
      const layer = LAYERS[layerId]!;
      const produced: Produced[] = [];
      const inSparkLayer = sparkLayers.has(layerId);
      for (let k = 0; k < sizes[position]!; k++) {
        const isSpark = inSparkLayer || (position > 0 && rng.chance(0.012));
        const noun = rng.pick(NOUNS);
        const verb = rng.pick(layer.verbs);
        const nodeName = `${ns}.${verb}_${noun}_${counter++}`;
        const node: RawNode = {
          name: nodeName,
          func: `bench_project.pipelines.${layer.name}.nodes.${verb}_${noun}`,
          namespace: ns,
          inputs: [],
          outputs: [],
          tags: [layer.name],
          inputTypes: [],
          outputTypes: [],
        };
        if (rng.chance(0.05)) node.tags.push(rng.chance(0.5) ? "resources:large" : "daily");

        // Inputs.
        if (position === 0) {
          node.inputs.push(`params:${ns}.sources.${noun}`);
          node.inputTypes.push("builtins.dict");
          stats.parameterInputs += 1;
        } else {
          const wanted = pickCount();
          const seen = new Set<string>();
          for (let attempt = 0; attempt < wanted * 4 && seen.size < wanted; attempt++) {
            const source = pickSource(byLayer, position, isSpark);
            if (source === null) continue;
            const name = isSpark ? source.sparkName : source.pandasName;
            if (name === null || seen.has(name)) continue;
            if (source.inMemory && source.readers >= 2) continue;
            seen.add(name);
            source.readers += 1;
            node.inputs.push(name);
          }
          if (node.inputs.length === 0) {
            // Every pandas layer-0 output is readable by anyone: fall back to one of those.
            const fallback = byLayer[0]!.find((p) => !p.inMemory)!;
            node.inputs.push((isSpark ? fallback.sparkName : fallback.pandasName)!);
            fallback.readers += 1;
          }
          node.inputTypes.push(...node.inputs.map(() => (isSpark ? SPARK_DF : PANDAS_DF)));
          if (rng.chance(0.35)) {
            node.inputs.push(`params:${ns}.${layer.short}.${noun}_options`);
            node.inputTypes.push("builtins.dict");
            stats.parameterInputs += 1;
          } else if (rng.chance(0.03)) {
            node.inputs.push("parameters");
            node.inputTypes.push("builtins.dict");
            stats.parameterInputs += 1;
          }
        }

        // Spark evidence besides the datasets: hints on about half, the tag on a third.
        if (isSpark) {
          stats.sparkNodes += 1;
          if (!inSparkLayer || rng.chance(0.3)) node.tags.push(SPARK_TAG);
          if (!rng.chance(0.5)) {
            node.inputTypes = node.inputTypes.map((t) => (t === SPARK_DF ? PANDAS_DF : t));
            if (node.inputTypes.length === 0) node.inputTypes.push(PANDAS_DF);
          }
        }

        // Outputs.
        const outCount = rng.chance(0.75) ? 1 : rng.chance(0.8) ? 2 : 3;
        for (let j = 0; j < outCount; j++) {
          const base = `${ns}.${layer.short}_${noun}_${counter}_${j}`;
          const p = addOutput(node, base, layerId, position, isSpark, inSparkLayer);
          produced.push(p);
          if (layerId >= 2 && !p.inMemory && rng.chance(0.25)) shared.push(p);
        }
        node.outputTypes.push(
          isSpark && rng.chance(0.4) ? SPARK_DF : layerId === 5 ? "builtins.object" : PANDAS_DF,
        );
        // A Spark node whose datasets say nothing (all in memory, read as pandas) gets the tag.
        const evidence =
          node.tags.includes(SPARK_TAG) ||
          [...node.inputTypes, ...node.outputTypes].includes(SPARK_DF) ||
          node.outputs.some((o) => datasets[o]?.type === CATALOG.spark.type);
        if (isSpark && !evidence) node.tags.push(SPARK_TAG);
        nodes.push(node);
        stats.nodes += 1;
      }
      byLayer.push(produced);
    });
  }

  function addOutput(
    node: RawNode,
    base: string,
    layerId: number,
    position: number,
    isSpark: boolean,
    inSparkLayer: boolean,
  ): Produced {
    stats.datasets += 1;
    if (position > 0 && rng.chance(0.08)) {
      // In memory: no catalog entry. A Spark node's in-memory DataFrame is for Spark readers only.
      stats.inMemory += 1;
      node.outputs.push(base);
      return {
        pandasName: isSpark ? null : base,
        sparkName: isSpark ? base : null,
        inMemory: true,
        readers: 0,
      };
    }
    if (isSpark && inSparkLayer) {
      if (rng.chance(0.55)) {
        // Transcoded: Spark writes it, pandas layers read the same files through pandas.
        stats.transcoded += 1;
        node.outputs.push(`${base}@spark`);
        datasets[`${base}@spark`] = clone(CATALOG.spark);
        datasets[`${base}@pandas`] = clone(CATALOG.parquet);
        return {
          pandasName: `${base}@pandas`,
          sparkName: `${base}@spark`,
          inMemory: false,
          readers: 0,
        };
      }
      node.outputs.push(base);
      datasets[base] = clone(CATALOG.spark);
      return { pandasName: null, sparkName: base, inMemory: false, readers: 0 };
    }
    // A pandas-side dataset (also what stray tagged Spark nodes write): anyone may read it.
    node.outputs.push(base);
    const entry =
      layerId === 0 && rng.chance(0.3)
        ? CATALOG.csv
        : layerId === 5
          ? CATALOG.pickle
          : layerId === 7 && rng.chance(0.5)
            ? CATALOG.json
            : CATALOG.parquet;
    datasets[base] = clone(entry);
    return { pandasName: base, sparkName: base, inMemory: false, readers: 0 };
  }

  /** 1-6 inputs: mostly one or two. */
  function pickCount(): number {
    const r = rng.next();
    return r < 0.35 ? 1 : r < 0.7 ? 2 : r < 0.88 ? 3 : r < 0.96 ? 4 : rng.int(5, 6);
  }

  /** The layer above (75 %), an earlier layer (17 %), or another namespace (8 %). */
  function pickSource(byLayer: Produced[][], position: number, isSpark: boolean): Produced | null {
    const r = rng.next();
    let pool: Produced[];
    if (r < 0.08 && shared.length > 0) {
      // Recent namespaces are likelier neighbours than old ones.
      const window = Math.min(shared.length, 400);
      pool = shared.slice(shared.length - window);
      return pool[pool.length - 1 - rng.skewed(pool.length, 1.5)]!;
    }
    const layer = r < 0.25 && position > 1 ? rng.int(0, position - 2) : position - 1;
    pool = byLayer[layer]!;
    const readable = (p: Produced) => (isSpark ? p.sparkName : p.pandasName) !== null;
    // Fan-out: the first datasets of a layer are read far more often than the last.
    for (let tries = 0; tries < 4; tries++) {
      const p = pool[rng.skewed(pool.length, 2.2)];
      if (p !== undefined && readable(p)) return p;
    }
    return pool.find(readable) ?? null;
  }

  return {
    manifest: {
      schemaVersion: 1,
      project: { name: "bench-project", package: "bench_project", kedroVersion: "1.7.0" },
      pipeline: "__default__",
      env: null,
      nodes,
      // By name, as the exporter writes them (python/kedro_airflow_k8s_export.py).
      datasets: Object.fromEntries(
        Object.keys(datasets)
          .sort()
          .map((name) => [name, datasets[name]!]),
      ),
      warnings: [],
    },
    stats,
  };
}

/** Splits `total` nodes over `parts` layers: a small raw layer, random weights for the rest. */
function splitSizes(total: number, parts: number): number[] {
  const first = Math.max(1, Math.round(total * 0.1));
  const rest = total - first;
  const weights = Array.from({ length: parts - 1 }, (_, i) => 1 + ((i * 7919) % 5) / 4);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = [first, ...weights.map((w) => Math.floor((rest * w) / sum))];
  let missing = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 1; missing > 0; i = (i % (parts - 1)) + 1, missing--) sizes[i]! += 1;
  return sizes;
}

function clone(entry: { type: string; classes: readonly string[] }): {
  type: string;
  classes: string[];
} {
  return { type: entry.type, classes: [...entry.classes] };
}

/** The manifest as the exporter writes it: two-space indent, ASCII, trailing newline. */
export function manifestText(manifest: RawManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function main(argv: readonly string[]): void {
  let nodes = 1000;
  let seed = 42;
  let out: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === "--nodes" && value !== undefined) nodes = Number(argv[++i]);
    else if (arg === "--seed" && value !== undefined) seed = Number(argv[++i]);
    else if (arg === "--out" && value !== undefined) out = argv[++i]!;
    else throw new Error(`generate: unknown argument ${arg} (--nodes N --seed S --out FILE)`);
  }
  const { manifest, stats } = generateManifest(nodes, seed);
  const text = manifestText(manifest);
  if (out === null) process.stdout.write(text);
  else fs.writeFileSync(out, text);
  process.stderr.write(`generate: ${JSON.stringify(stats)}\n`);
}

if (require.main === module) main(process.argv.slice(2));
