import type { Plan } from "./plan";

/**
 * When a per-run Spark cluster (Dataproc) is needed, from the plan alone. The cluster is of no
 * use before the first Spark job can start, and every job waits for its own ancestors anyway,
 * so creating it after the tasks that are ancestors of *every* earliest Spark job (a job with no
 * Spark job upstream) never delays a job and shortens the time it sits idle.
 */
export interface ClusterWindow {
  /**
   * The groups the cluster's creation waits for: the nearest common ancestors of the earliest
   * Spark jobs (none when they share no ancestor: the cluster starts with the run).
   */
  createAfter: string[];
  /**
   * Pod groups that may run while the cluster is up and a Spark job waits for them (each is an
   * ancestor of some Spark job but not of the cluster's creation): an upper bound on the tasks
   * during which the cluster can sit idle, in plan order.
   */
  idleTasks: string[];
}

/** The cluster window of a plan, or null when it has no Spark group. Linear per earliest job. */
export function clusterWindow(plan: Plan): ClusterWindow | null {
  const facts = commonAncestors(plan);
  if (facts === null) return null;
  const { ups, spark, inCommon, n } = facts;
  const sparkGroups: number[] = [];
  for (let g = 0; g < n; g++) if (spark[g]) sparkGroups.push(g);
  const aboveSomeJob = ancestors(ups, sparkGroups, n);
  const idleTasks: string[] = [];
  for (let g = 0; g < n; g++) {
    if (!spark[g] && aboveSomeJob[g] && !inCommon[g]) idleTasks.push(plan.groups[g]!.name);
  }
  return { createAfter: nearest(facts).map((g) => plan.groups[g]!.name), idleTasks };
}

/**
 * Only the window's `createAfter` (what the DAG needs), as plan group indices, or null with no
 * Spark group: without the walk over every Spark job's ancestors that `idleTasks` costs.
 * `ups`: each group's upstream group indices (upstreamIndices), when the caller has them.
 */
export function clusterCreateAfter(
  plan: Plan,
  ups: readonly (readonly number[])[] = upstreamIndices(plan),
): number[] | null {
  const facts = commonAncestors(plan, ups);
  return facts === null ? null : nearest(facts);
}

/** Each group's upstream groups as indices into plan.groups (the plan names them). */
export function upstreamIndices(plan: Plan): number[][] {
  const index = new Map<string, number>();
  for (let g = 0; g < plan.groups.length; g++) index.set(plan.groups[g]!.name, g);
  return plan.groups.map((g) => g.upstream.map((u) => index.get(u)!));
}

interface WindowFacts {
  n: number;
  /** Upstream group indices of each group. */
  ups: readonly (readonly number[])[];
  spark: boolean[];
  /** 1 for each ancestor of every earliest Spark job. */
  inCommon: Uint8Array;
}

function commonAncestors(
  plan: Plan,
  ups: readonly (readonly number[])[] = upstreamIndices(plan),
): WindowFacts | null {
  const n = plan.groups.length;
  const spark = plan.groups.map((g) => g.kind === "spark");
  if (!spark.includes(true)) return null;

  // Plan order is topological: one forward pass finds the jobs with a Spark job upstream.
  const sparkAbove = new Array<boolean>(n).fill(false);
  for (let g = 0; g < n; g++) {
    sparkAbove[g] = ups[g]!.some((u) => spark[u] || sparkAbove[u]);
  }
  const earliest: number[] = [];
  for (let g = 0; g < n; g++) if (spark[g] && !sparkAbove[g]) earliest.push(g);

  // Common ancestors: start from the first job's, intersect with each next one's; stop once
  // nothing is left (the usual case when jobs are independent).
  let common: Uint8Array | null = null;
  for (const job of earliest) {
    const mine = ancestors(ups, [job], n);
    if (common === null) common = mine;
    else for (let g = 0; g < n; g++) common[g] = common[g]! & mine[g]!;
    if (!common.includes(1)) break;
  }
  return { n, ups, spark, inCommon: common! };
}

/** The nearest common ancestors: those that no other common ancestor waits for. */
function nearest({ n, ups, inCommon }: WindowFacts): number[] {
  const waitedFor = new Uint8Array(n);
  for (let g = 0; g < n; g++) if (inCommon[g]) for (const u of ups[g]!) waitedFor[u] = 1;
  const createAfter: number[] = [];
  for (let g = 0; g < n; g++) if (inCommon[g] && !waitedFor[g]) createAfter.push(g);
  return createAfter;
}

/** 1 for every proper ancestor of the starts (a walk up the upstream lists). */
function ancestors(
  ups: readonly (readonly number[])[],
  starts: readonly number[],
  n: number,
): Uint8Array {
  const seen = new Uint8Array(n);
  const stack: number[] = [];
  for (const s of starts) for (const u of ups[s]!) stack.push(u);
  while (stack.length > 0) {
    const g = stack.pop()!;
    if (seen[g]) continue;
    seen[g] = 1;
    for (const u of ups[g]!) if (!seen[u]) stack.push(u);
  }
  return seen;
}
