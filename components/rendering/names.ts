import { createHash } from "node:crypto";

/** Airflow task ids: letters, digits, `_`, `.`, `-`; at most 250 characters. */
export const MAX_TASK_ID = 250;

/**
 * Turns names into valid, unique task ids, deterministically: invalid runs of characters
 * become `_`, long names are cut, and a name that clashes with an earlier one (or a reserved
 * id) gets `_2`, `_3`, ... in the order given.
 */
export function taskIds(names: readonly string[], reserved: readonly string[] = []): string[] {
  const taken = new Set(reserved);
  return names.map((name) => {
    let base = name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[._-]+/, "");
    if (base === "") base = "task";
    base = base.slice(0, MAX_TASK_ID);
    let id = base;
    for (let k = 2; taken.has(id); k++) {
      const suffix = `_${k}`;
      id = base.slice(0, MAX_TASK_ID - suffix.length) + suffix;
    }
    taken.add(id);
    return id;
  });
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
  return createHash("sha256").update(text).digest("hex").slice(0, length);
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
  const hash = createHash("sha256").update(pipeline, "utf8").digest("hex").slice(0, 16);
  return `${key.slice(0, MAX_PIPELINE_KEY - 17)}-${hash}`;
}
