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
