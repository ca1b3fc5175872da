import type { Manifest } from "../manifest/types";
import type { Plan } from "../planning/plan";

/**
 * Airflow TaskGroups from Kedro namespaces: each namespace (dotted for nesting, `a.b` inside
 * `a`) that holds a task, directly or below, becomes one TaskGroup, and each task goes in the
 * deepest namespace that all of its nodes share (top level when they share none).
 *
 * Every group is declared with `prefix_group_id=False`, so a task's id is the same with or
 * without groups, and after a namespace is renamed: Airflow keys task history by task id
 * (`TaskGroup.child_id` only prefixes when the parent's prefix_group_id is true: airflow 2.11
 * airflow/utils/task_group.py, airflow 3 airflow/sdk/definitions/taskgroup.py). The price is
 * that group ids must then be unique in the whole DAG, among task ids too (`DAG.add_task`
 * records task ids in the root group's `used_group_ids`), so a group id spells the namespace's
 * full path.
 */

/** Airflow's group key: `^[\w-]+$` (no dot, unlike task ids), at most 200 characters. */
export const MAX_GROUP_ID = 200;

export interface TaskGroupDecl {
  /** The Python variable holding the TaskGroup. */
  var: string;
  /** The group id: the namespace's segments joined by `__`, made valid and unique. */
  groupId: string;
  /** The Kedro namespace, dotted; the group's tooltip in the Airflow UI. */
  namespace: string;
  /** The parent group's variable; null for a group at the DAG's top level. */
  parent: string | null;
}

export interface TaskGroupPlan {
  /** Every group, parents before their children, in namespace order. */
  groups: TaskGroupDecl[];
  /**
   * By plan group index: the namespace its task goes in; null for the top level. Arrays, not
   * records by group name: a record of 7,500 names cost more than the rest of this function.
   */
  namespaceOf: (string | null)[];
  /** By plan group index: the variable of its TaskGroup; null for the top level. */
  groupOf: (string | null)[];
}

/** The deepest namespace all of these share, segment by segment; null when they share none. */
export function commonNamespace(namespaces: readonly (string | null)[]): string | null {
  let common: string[] | null = null;
  for (const ns of namespaces) {
    if (ns === null || ns === "") return null;
    const parts = ns.split(".");
    if (common === null) {
      common = parts;
      continue;
    }
    let k = 0;
    while (k < common.length && k < parts.length && common[k] === parts[k]) k++;
    if (k === 0) return null;
    common = common.slice(0, k);
  }
  return common === null ? null : common.join(".");
}

/**
 * commonNamespace of a group's nodes. A group's nodes nearly always share one namespace, and
 * then that is the answer: no list and no split per node (this ran for every node, task groups
 * being on by default).
 */
function groupNamespace(
  nodes: readonly string[],
  nsOfNode: ReadonlyMap<string, string | null>,
): string | null {
  if (nodes.length === 0) return null;
  const first = nsOfNode.get(nodes[0]!) ?? null;
  let same = true;
  for (let i = 1; same && i < nodes.length; i++) same = (nsOfNode.get(nodes[i]!) ?? null) === first;
  if (same) return first === "" ? null : first;
  return commonNamespace(nodes.map((name) => nsOfNode.get(name) ?? null));
}

/** `a.b.c` -> `a`, `a.b`, `a.b.c`. */
function prefixes(namespace: string): string[] {
  const parts = namespace.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

/** A valid group key for a namespace path, before uniqueness: `a.b` -> `a__b`. */
export function groupKeyBase(namespace: string): string {
  const key = namespace
    .split(".")
    .map((part) => part.replace(/[^A-Za-z0-9_-]+/g, "_") || "ns")
    .join("__");
  return key.slice(0, MAX_GROUP_ID);
}

/**
 * The TaskGroups of a plan: pure and deterministic. `taskIds` are the ids of every task of
 * the DAG (the plan's and the cluster tasks): a group id never equals one of them, nor makes
 * Airflow's join ids (`<group>.upstream_join_id`) equal one.
 */
export function planTaskGroups(
  plan: Plan,
  manifest: Manifest,
  taskIds: readonly string[],
): TaskGroupPlan {
  const nsOfNode = new Map<string, string | null>();
  const nodes = manifest.nodes;
  for (let i = 0; i < nodes.length; i++) nsOfNode.set(nodes[i]!.name, nodes[i]!.namespace);
  const namespaceOf = new Array<string | null>(plan.groups.length);
  const used = new Set<string>();
  const seen = new Set<string>();
  for (let g = 0; g < plan.groups.length; g++) {
    const ns = groupNamespace(plan.groups[g]!.nodes, nsOfNode);
    namespaceOf[g] = ns;
    // Many groups share a namespace: its prefixes are added once.
    if (ns !== null && !seen.has(ns)) {
      seen.add(ns);
      for (const p of prefixes(ns)) used.add(p);
    }
  }
  // Plain code-unit order: deterministic, and a namespace sorts before any name it prefixes.
  const namespaces = [...used].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const taken = new Set(taskIds);
  const clashes = (id: string) =>
    taken.has(id) || taken.has(`${id}.upstream_join_id`) || taken.has(`${id}.downstream_join_id`);
  const varOf = new Map<string, string>();
  const groups: TaskGroupDecl[] = namespaces.map((namespace, i) => {
    const base = groupKeyBase(namespace);
    let groupId = base;
    for (let k = 2; clashes(groupId); k++) {
      const suffix = `_${k}`;
      groupId = base.slice(0, MAX_GROUP_ID - suffix.length) + suffix;
    }
    taken.add(groupId);
    const v = `task_group_${i}`;
    varOf.set(namespace, v);
    const dot = namespace.lastIndexOf(".");
    return {
      var: v,
      groupId,
      namespace,
      parent: dot === -1 ? null : varOf.get(namespace.slice(0, dot))!,
    };
  });
  const groupOf = namespaceOf.map((ns) => (ns === null ? null : varOf.get(ns)!));
  return { groups, namespaceOf, groupOf };
}
