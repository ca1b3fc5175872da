/**
 * Random Kedro-like pipelines for the planner's property tests (group.property.test.ts,
 * task-ids.property.test.ts): random kinds, tags, hints, memory datasets, transcoding.
 */
import fc from "fast-check";
import { normaliseManifest } from "../../components/manifest/load";
import type { Manifest } from "../../components/manifest/types";

export const TAG = "kedro-airflow-k8s:group:pyspark";
export const DF = "pyspark.sql.dataframe.DataFrame";
export const SPARK_TYPE = "spark.SparkDataset";
export const MEMORY_TYPE = "MemoryDataset";
export const PANDAS_TYPE = "pandas.ParquetDataset";

export interface Shape {
  seed: number;
  n: number;
  sparkRate: number;
  memoryRate: number;
  transcodeRate: number;
  fanIn: number;
  grouping: boolean;
}

/** mulberry32: a tiny seeded generator, so a failing case replays from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Produced {
  base: string;
  transcoded: boolean;
}

/** A Kedro-like pipeline: random kinds, tags, hints, memory datasets, transcoding, parameters. */
export function generate(shape: Shape): Manifest {
  const r = rng(shape.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const produced: Produced[] = [];
  const datasets: Record<string, { type: string }> = {};
  const nodes = [];
  for (let i = 0; i < shape.n; i++) {
    const inputs = new Set<string>();
    const k = Math.floor(r() * (shape.fanIn + 1));
    for (let j = 0; j < k && produced.length > 0; j++) {
      // Mostly recent datasets, so that pipelines have long chains as well as fan-in.
      const d =
        r() < 0.7
          ? produced[Math.max(0, produced.length - 1 - Math.floor(r() * 8))]!
          : pick(produced);
      inputs.add(d.transcoded ? `${d.base}@${r() < 0.5 ? "spark" : "pandas"}` : d.base);
    }
    if (r() < 0.2) {
      inputs.add(`raw${i}`);
      datasets[`raw${i}`] = { type: r() < shape.sparkRate / 3 ? SPARK_TYPE : PANDAS_TYPE };
    }
    if (r() < 0.2) inputs.add(r() < 0.5 ? "parameters" : `params:p${i % 5}`);
    const outputs: string[] = [];
    const m = 1 + Math.floor(r() * 2);
    for (let j = 0; j < m; j++) {
      const base = `d${i}_${j}`;
      const roll = r();
      if (roll < shape.memoryRate / 2) {
        outputs.push(base); // absent from the catalog: in memory
        produced.push({ base, transcoded: false });
      } else if (roll < shape.memoryRate) {
        datasets[base] = { type: MEMORY_TYPE };
        outputs.push(base);
        produced.push({ base, transcoded: false });
      } else if (r() < shape.transcodeRate) {
        datasets[`${base}@spark`] = { type: SPARK_TYPE };
        if (r() < 0.9) datasets[`${base}@pandas`] = { type: PANDAS_TYPE };
        outputs.push(`${base}@spark`);
        produced.push({ base, transcoded: true });
      } else {
        datasets[base] = { type: r() < shape.sparkRate / 3 ? SPARK_TYPE : PANDAS_TYPE };
        outputs.push(base);
        produced.push({ base, transcoded: false });
      }
    }
    nodes.push({
      name: `n${i}`,
      inputs: [...inputs],
      outputs,
      tags: r() < shape.sparkRate / 3 ? [TAG] : [],
      inputTypes: r() < shape.sparkRate / 3 ? [DF] : [],
    });
  }
  return normaliseManifest(
    { schemaVersion: 1, project: { name: "prop" }, nodes, datasets },
    "generated",
  );
}

export const shapes = (maxNodes: number) =>
  fc.record({
    seed: fc.integer(),
    n: fc.integer({ min: 0, max: maxNodes }),
    sparkRate: fc.double({ min: 0, max: 0.9, noNaN: true }),
    memoryRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
    transcodeRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
    fanIn: fc.integer({ min: 1, max: 4 }),
    grouping: fc.boolean(),
  });
