import { sha256Hex } from "../common/sha256";
import { MAX_TASK_ID } from "../planning/task-ids";

export { MAX_TASK_ID };

/**
 * A name as an Airflow id (the DAG id's base): invalid runs of characters become `_`,
 * leading `.`, `_`, `-` go, long names are cut. Group task ids are made in planning/task-ids.ts.
 */
export function sanitizeId(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[._-]+/, "");
  if (id === "") id = "task";
  return id.slice(0, MAX_TASK_ID);
}

/**
 * The part of a Serverless batch id before the per-try suffix: a slug of the prefix (cluster
 * name or DAG id) and the group name, then 8 hex digits of SHA-256 of the group name, since
 * the slug folds case and cuts (`pyspark_A` and `pyspark_a` are two groups). At most 52
 * characters, so that `-` and the 10-character try suffix fit Dataproc's 63. Stable while
 * the group's name is.
 */
export function batchIdStem(prefix: string, group: string): string {
  return `${slug(`${prefix}-${group}`, 43, "kedro")}-${contentHash(group, 8)}`;
}

/**
 * A lowercase slug of letters, digits and `-` that starts with a letter (Dataproc cluster
 * names, batch ids, Kubernetes names), at most `max` characters; `fallback` if nothing is left.
 */
export function slug(text: string, max: number, fallback: string): string {
  let s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, max)
    .replace(/-+$/, "");
  if (s === "") s = fallback.slice(0, max);
  return s;
}

/** Short content hash used in artifact names, so a new version never overwrites one in use. */
export function contentHash(text: string | Buffer, length = 12): string {
  return sha256Hex(text).slice(0, length);
}

/** The pipeline that gets no name part: Kedro's `__default__`. */
export const DEFAULT_PIPELINE = "__default__";

/** The longest pipeline key; longer encodings are cut and end in `-` and a hash. */
export const MAX_PIPELINE_KEY = 120;

/**
 * A pipeline name as a name part that is safe in DAG ids, file names, Pulumi resource names
 * and GCS object names, and injective even where case does not count: `[a-z0-9_]` stays, every
 * other character becomes `.<hex code point>.`, the empty name is `.`. Only a key longer than
 * MAX_PIPELINE_KEY is cut; it then ends in `-` plus 16 hex digits of SHA-256 of the name (no
 * uncut key holds a `-`). python/kedro_airflow_k8s_export.py names its files the same way.
 */
export function pipelineKey(pipeline: string): string {
  if (pipeline === "") return ".";
  let key = "";
  for (const ch of pipeline) {
    key += /^[a-z0-9_]$/.test(ch) ? ch : `.${ch.codePointAt(0)!.toString(16)}.`;
  }
  if (key.length <= MAX_PIPELINE_KEY) return key;
  const hash = sha256Hex(pipeline).slice(0, 16);
  return `${key.slice(0, MAX_PIPELINE_KEY - 17)}-${hash}`;
}
