import { normaliseManifest } from "../../components/manifest/load";
import type { Manifest } from "../../components/manifest/types";

/** A compact way to write a node in tests. */
export interface NodeSpec {
  name: string;
  in?: string[];
  out?: string[];
  tags?: string[];
  inTypes?: string[];
  outTypes?: string[];
}

export const SPARK_DS = {
  type: "spark.SparkDataset",
  classes: ["kedro_datasets.spark.spark_dataset.SparkDataset", "kedro.io.core.AbstractDataset"],
};
export const PANDAS_DS = {
  type: "pandas.ParquetDataset",
  classes: [
    "kedro_datasets.pandas.parquet_dataset.ParquetDataset",
    "kedro.io.core.AbstractDataset",
  ],
};
export const MEMORY_DS = {
  type: "MemoryDataset",
  classes: ["kedro.io.memory_dataset.MemoryDataset", "kedro.io.core.AbstractDataset"],
};
export const DF = "pyspark.sql.dataframe.DataFrame";
export const TAG = "kedro-airflow-k8s:group:pyspark";

/**
 * Builds a manifest. Every dataset named in `datasets` is a catalog entry; any other
 * dataset is in memory, as with a real export. `persistAll` adds a pandas entry for
 * every name that `datasets` does not mention.
 */
export function manifestOf(
  nodes: NodeSpec[],
  datasets: Record<string, { type: string; classes?: string[] } | null> = {},
  persistAll = true,
): Manifest {
  const all: Record<string, { type: string; classes?: string[] }> = {};
  if (persistAll) {
    for (const n of nodes) {
      for (const d of [...(n.in ?? []), ...(n.out ?? [])]) {
        if (!d.startsWith("params:") && d !== "parameters") all[d] = PANDAS_DS;
      }
    }
  }
  const catalog = Object.fromEntries(
    Object.entries({ ...all, ...datasets }).filter(([, v]) => v !== null),
  ) as Record<string, { type: string; classes?: string[] }>;
  return normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "test" },
      nodes: nodes.map((n) => ({
        name: n.name,
        inputs: n.in ?? [],
        outputs: n.out ?? [],
        tags: n.tags ?? [],
        inputTypes: n.inTypes ?? [],
        outputTypes: n.outTypes ?? [],
      })),
      datasets: catalog,
    },
    "test manifest",
  );
}
