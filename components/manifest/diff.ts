/**
 * What changed between a committed manifest and a fresh export of the same project, in a few
 * short lines (`manifest --check`). Works on the parsed JSON documents as written, so that any
 * fact the exporter writes counts, including ones this version does not model.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };

/** How many names a line lists before "and N more". */
const SHOWN = 5;

/** One line per part that differs (top-level fields, nodes, datasets, run config keys); [] when equal. */
export function diffManifests(committed: unknown, fresh: unknown): string[] {
  const a = asDoc(committed);
  const b = asDoc(fresh);
  const lines: string[] = [];
  const top = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !["nodes", "datasets", "runConfig"].includes(k))
    .sort()
    .filter((k) => !same(a[k], b[k]));
  for (const key of top) {
    for (const leaf of changedLeaves(a[key], b[key], key)) {
      lines.push(`${leaf.path}: ${show(leaf.before)} -> ${show(leaf.after)}`);
    }
  }

  const nodes = (d: Doc) => byName(Array.isArray(d["nodes"]) ? d["nodes"] : []);
  const nodeLine = keyedDiff("nodes", nodes(a), nodes(b));
  if (nodeLine !== null) lines.push(nodeLine);
  else if (!same(a["nodes"], b["nodes"])) lines.push("nodes: same nodes, in another order");

  const datasets = (d: Doc) => new Map(Object.entries(asDoc(d["datasets"])));
  const datasetLine = keyedDiff("datasets", datasets(a), datasets(b));
  if (datasetLine !== null) lines.push(datasetLine);

  if ("runConfig" in a !== "runConfig" in b) {
    lines.push(`runConfig: ${"runConfig" in b ? "added" : "removed"}`);
  } else {
    const keys = changedLeaves(a["runConfig"], b["runConfig"], "").map((l) => l.path);
    if (keys.length > 0) {
      lines.push(`runConfig: ${count(keys.length, "key")} changed (${list(keys)})`);
    }
  }
  return lines;
}

/** `nodes: 1 added (x), 1 removed (y), 2 changed (a: inputs, tags; b: func)`, or null. */
function keyedDiff(
  what: string,
  before: Map<string, Json>,
  after: Map<string, Json>,
): string | null {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()]
    .filter((k) => before.has(k) && !same(before.get(k)!, after.get(k)!))
    .sort()
    .map((k) => {
      const x = asDoc(before.get(k));
      const y = asDoc(after.get(k));
      const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])]
        .filter((f) => !same(x[f], y[f]))
        .sort();
      return `${k}: ${fields.join(", ")}`;
    });
  const parts: string[] = [];
  if (added.length > 0) parts.push(`${added.length} added (${list(added)})`);
  if (removed.length > 0) parts.push(`${removed.length} removed (${list(removed)})`);
  if (changed.length > 0) parts.push(`${changed.length} changed (${list(changed, "; ")})`);
  return parts.length === 0 ? null : `${what}: ${parts.join(", ")}`;
}

interface Leaf {
  path: string;
  before: Json | undefined;
  after: Json | undefined;
}

/** The leaves that differ, by dotted path; a value that is not a mapping is one leaf. */
function changedLeaves(a: Json | undefined, b: Json | undefined, prefix: string): Leaf[] {
  if (isDoc(a) && isDoc(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedLeaves(a[k], b[k], prefix === "" ? k : `${prefix}.${k}`));
  }
  return same(a, b) ? [] : [{ path: prefix === "" ? "(all)" : prefix, before: a, after: b }];
}

function byName(nodes: Json[]): Map<string, Json> {
  const map = new Map<string, Json>();
  nodes.forEach((n, i) => {
    const name = isDoc(n) && typeof n["name"] === "string" ? n["name"] : `#${i}`;
    map.set(name, n);
  });
  return map;
}

function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asDoc(value: unknown): Doc {
  return isDoc(value) ? value : {};
}

/** Structural equality of JSON values (key order ignored, array order kept). */
function same(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (isDoc(a) && isDoc(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && same(a[k], b[k]));
  }
  return false;
}

function show(value: Json | undefined): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

function list(names: string[], sep = ", "): string {
  const shown = names.slice(0, SHOWN).join(sep);
  return names.length > SHOWN ? `${shown}${sep}and ${names.length - SHOWN} more` : shown;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
