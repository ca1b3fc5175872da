import type { JsonValue } from "../../config/types";
import { jinjaSafeDeep, type PyValue } from "../literals";
import { slug } from "../names";
import type { BackendContext } from "./types";
import { RUN_SUFFIX } from "./types";
import type { SparkBackend as SparkType } from "../../config/types";

/** A parsed mapping as a PyValue mapping: the keys it has (absent optional keys dropped). */
export function present(o: {
  readonly [key: string]: JsonValue | undefined;
}): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const [key, value] of Object.entries(o)) if (value !== undefined) out[key] = value;
  return out;
}

/** A key of run_config.spark that the backend cannot render without. */
export function required(
  context: Pick<BackendContext<SparkType>, "fail"> & { spark: { type: string | null } },
  value: string | null,
  key: string,
  why: string,
): string {
  if (value !== null) return value;
  throw context.fail(
    `run_config.spark.${key}`,
    `is required for spark.type ${context.spark.type} (${why})`,
  );
}

/** The per-run cluster name, a Jinja template: Dataproc reuses a running cluster of one name. */
export function clusterNameTemplate(context: {
  spark: { clusterName: string | null };
  dagId: string;
}): string {
  return `${slug(context.spark.clusterName ?? context.dagId, 40, "kedro")}-${RUN_SUFFIX}`;
}

/** jinjaSafeDeep of each value of a mapping (values in an Airflow templated field). */
export function jinjaSafeMap(o: Record<string, PyValue>): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const [key, value] of Object.entries(o)) out[key] = jinjaSafeDeep(value);
  return out;
}
