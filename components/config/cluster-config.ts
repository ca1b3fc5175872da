import { assertValid, compileSchema } from "../common/schema";
import {
  customClusterSchema,
  dataprocClusterSchema,
  kubernetesSparkSchema,
  serverlessBatchSchema,
} from "./cluster-schemas";
import type { SparkBackend, SparkChoice } from "./types";

/** The validators, by backend, named as schema-build.ts generates them. */
export const CLUSTER_SCHEMAS = {
  "cluster-dataproc": dataprocClusterSchema,
  "cluster-dataproc-serverless": serverlessBatchSchema,
  "cluster-kubernetes": kubernetesSparkSchema,
  "cluster-custom": customClusterSchema,
} as const;

const validators = Object.fromEntries(
  Object.entries(CLUSTER_SCHEMAS).map(([name, schema]) => [name, compileSchema(name, schema)]),
);

const WHERE = ["run_config", "spark", "cluster_config"] as const;

/**
 * Checks `run_config.spark.cluster_config` against the schema of the backend `type` and returns
 * it typed for that backend: an unknown key or a wrong type is a one-line InputError naming
 * `source`, the path under run_config.spark.cluster_config and what was expected. Without a
 * type, the mapping is kept as it is (rendering a Spark group then asks for the type).
 */
export function parseClusterConfig(
  type: SparkBackend | null,
  raw: Record<string, unknown> | undefined,
  source: string,
): SparkChoice {
  const value = raw ?? {};
  assertValid(validators[`cluster-${type ?? "custom"}`]!, value, source, WHERE);
  // The schema has just checked the shape that each type below names.
  switch (type) {
    case "dataproc":
      return { type, clusterConfig: value as SparkConfigOf<"dataproc"> };
    case "dataproc-serverless":
      return { type, clusterConfig: value as SparkConfigOf<"dataproc-serverless"> };
    case "kubernetes":
      return { type, clusterConfig: value as SparkConfigOf<"kubernetes"> };
    case "custom":
      return { type, clusterConfig: value as SparkConfigOf<"custom"> };
    default:
      return { type: null, clusterConfig: value as SparkConfigOf<"custom"> };
  }
}

type SparkConfigOf<T extends SparkBackend> = Extract<SparkChoice, { type: T }>["clusterConfig"];
