import type { Edge, PipelineGraph } from "../manifest/graph";
import { Heap } from "../common/heap";
import { Pairs } from "../common/lists";
import type { Catalog, Reason } from "./detect";
import { firstNodeOf, groupName } from "./task-ids";

/** A set of nodes that one Airflow task runs; a Spark group runs as one Spark job. */
export interface Group {
  name: string;
  kind: "spark" | "default";
  /** Node ids (positions in the graph's topological order), ascending. */
  nodes: number[];
  /** Ids of the groups this one waits for, in plan order. */
  upstream: number[];
  /** Why each node that needs explaining is here: Spark nodes, and nodes pulled in with them. */
  reasons: ReadonlyMap<number, Reason>;
}

export interface Grouping {
  /** Groups in a topological order. */
  groups: Group[];
  /** Group id of each node. */
  groupOf: number[];
  warnings: string[];
}

export interface GroupingOptions {
  /** Spark nodes joined by a Spark dataset share a group, and Spark jobs are merged (default true). */
  groupSparkNodes: boolean;
}

/**
 * Splits the pipeline into groups. All steps are linear in nodes + edges (plus a heap over
 * groups to order them):
 *  1. contract the edges that must not be cut: in-memory data (two tasks are two processes),
 *     and Spark datasets between Spark nodes when grouping is on;
 *  2. condense the strongly connected components of the contracted graph: a path that leaves
 *     a component and comes back would be a cycle between tasks, so everything on it joins
 *     (this is rule 4, "sandwiched" nodes). The condensation of any graph is acyclic, and it
 *     is the finest partition the constraints allow, so no default node joins a Spark group
 *     unless it must;
 *  3. with grouping on, merge Spark components that sit at the same "Spark level" (the level
 *     rises only when a path crosses a default component). Two components at one level have
 *     no path between them through a default node, so the merge pulls no default node in and
 *     keeps the group graph acyclic, and the number of levels is the fewest Spark jobs any
 *     plan without extra default nodes can have.
 *
 * Indexed loops: unoptimised, a for...of allocates per step (docs/performance.md, sixth round).
 */
export function groupPipeline(
  graph: PipelineGraph,
  detected: readonly (Reason | null)[],
  catalog: Catalog,
  options: GroupingOptions,
): Grouping {
  const n = graph.nodes.length;
  const isSpark = (id: number) => detected[id] !== null;
  const warnings: string[] = [];

  // 1. Contraction.
  const uf = new UnionFind(n);
  const edges = graph.edges;
  const memoryEdge = new Array<boolean>(edges.length);
  for (let id = 0; id < edges.length; id++) {
    const e = edges[id]!;
    let memory = false;
    const datasets = e.datasets;
    for (let i = 0; i < datasets.length; i++) {
      const d = datasets[i]!;
      if (catalog.isInMemory(d.produced) || catalog.isInMemory(d.consumed)) {
        memory = true;
        break;
      }
    }
    memoryEdge[id] = memory;
    if (memory) {
      uf.union(e.from, e.to);
      if (!options.groupSparkNodes && isSpark(e.from) && isSpark(e.to)) {
        const ds = e.datasets.map((d) => JSON.stringify(d.consumed)).join(", ");
        warnings.push(
          `group_spark_nodes is false, but Spark nodes ${JSON.stringify(graph.nodes[e.from]!.name)} and ${JSON.stringify(graph.nodes[e.to]!.name)} pass in-memory data (${ds}), so they share one Spark job`,
        );
      }
    } else if (
      options.groupSparkNodes &&
      isSpark(e.from) &&
      isSpark(e.to) &&
      carriesSparkDataset(e, catalog)
    ) {
      uf.union(e.from, e.to);
    }
  }

  // Components numbered by their first node, so every later step is deterministic.
  const compOf = new Array<number>(n);
  const compOfRoot = new Int32Array(n).fill(-1); // roots are node ids
  let compCount = 0;
  for (let v = 0; v < n; v++) {
    const root = uf.find(v);
    if (compOfRoot[root] === -1) compOfRoot[root] = compCount++;
    compOf[v] = compOfRoot[root]!;
  }
  const compPairs = new Pairs(edges.length);
  for (let id = 0; id < edges.length; id++) {
    const e = edges[id]!;
    const a = compOf[e.from]!;
    const b = compOf[e.to]!;
    if (a !== b) compPairs.add(a, b);
  }
  const compSucc = compPairs.bucket(compCount);

  // 2. Strongly connected components, emitted in reverse topological order.
  const sccOfComp = tarjan(compSucc);
  let sccCount = 0;
  for (let c = 0; c < compCount; c++) if (sccOfComp[c]! >= sccCount) sccCount = sccOfComp[c]! + 1;
  // Tarjan numbers SCCs sinks first; flip so that ids run in topological order.
  const sccOfNode = new Array<number>(n);
  for (let v = 0; v < n; v++) sccOfNode[v] = sccCount - 1 - sccOfComp[compOf[v]!]!;
  const sccSpark = new Array<boolean>(sccCount).fill(false);
  for (let v = 0; v < n; v++) if (isSpark(v)) sccSpark[sccOfNode[v]!] = true;

  // 3. Spark levels, in topological order of the SCCs.
  const unitOf = new Array<number>(sccCount); // the group-to-be of each SCC
  if (options.groupSparkNodes) {
    const predPairs = new Pairs(edges.length);
    for (let id = 0; id < edges.length; id++) {
      const e = edges[id]!;
      const a = sccOfNode[e.from]!;
      const b = sccOfNode[e.to]!;
      if (a !== b) predPairs.add(b, a);
    }
    const sccPred = predPairs.bucket(sccCount);
    // level: for a Spark SCC its level; for a default SCC the highest level upstream of it (-1: none).
    const level = new Array<number>(sccCount);
    for (let s = 0; s < sccCount; s++) {
      let best = sccSpark[s] ? 0 : -1;
      const preds = sccPred[s]!;
      for (let i = 0; i < preds.length; i++) {
        const p = preds[i]!;
        const candidate = sccSpark[s] && !sccSpark[p] ? level[p]! + 1 : level[p]!;
        if (candidate > best) best = candidate;
      }
      level[s] = best;
    }
    const unitOfLevel = new Map<number, number>();
    let units = 0;
    for (let s = 0; s < sccCount; s++) {
      if (sccSpark[s]) {
        let u = unitOfLevel.get(level[s]!);
        if (u === undefined) {
          u = units++;
          unitOfLevel.set(level[s]!, u);
        }
        unitOf[s] = u;
      } else {
        unitOf[s] = units++;
      }
    }
  } else {
    for (let s = 0; s < sccCount; s++) unitOf[s] = s;
  }

  const unitOfNodes = new Array<number>(n);
  for (let v = 0; v < n; v++) unitOfNodes[v] = unitOf[sccOfNode[v]!]!;
  return buildGroups(graph, detected, memoryEdge, unitOfNodes, warnings);
}

/** True when an edge carries a Spark dataset (under either side's name). */
function carriesSparkDataset(e: Edge, catalog: Catalog): boolean {
  for (let i = 0; i < e.datasets.length; i++) {
    const d = e.datasets[i]!;
    if (catalog.sparkClassOf(d.produced) !== null || catalog.sparkClassOf(d.consumed) !== null) {
      return true;
    }
  }
  return false;
}

/** Orders the units topologically, names them, and explains their members. */
function buildGroups(
  graph: PipelineGraph,
  detected: readonly (Reason | null)[],
  memoryEdge: readonly boolean[],
  unitOfNodes: readonly number[],
  warnings: string[],
): Grouping {
  const n = graph.nodes.length;
  let unitCount = 0;
  for (let v = 0; v < n; v++) unitCount = Math.max(unitCount, unitOfNodes[v]! + 1);
  const memberPairs = new Pairs(n);
  for (let v = 0; v < n; v++) memberPairs.add(unitOfNodes[v]!, v);
  const members = memberPairs.bucket(unitCount);
  // Unit edges in first-seen order, each once: every crossing edge is listed under its
  // source unit, then each list keeps the first copy of each target (a stamp per target
  // instead of a set of pairs).
  const edges = graph.edges;
  const succPairs = new Pairs(edges.length);
  for (let id = 0; id < edges.length; id++) {
    const e = edges[id]!;
    const a = unitOfNodes[e.from]!;
    const b = unitOfNodes[e.to]!;
    if (a !== b) succPairs.add(a, b);
  }
  const succ = succPairs.bucket(unitCount);
  const indegree = new Int32Array(unitCount);
  const listedFor = new Int32Array(unitCount).fill(-1);
  for (let a = 0; a < unitCount; a++) {
    const targets = succ[a]!;
    let kept = 0;
    const listed = targets.length;
    for (let i = 0; i < listed; i++) {
      const b = targets[i]!;
      if (listedFor[b] === a) continue;
      listedFor[b] = a;
      targets[kept++] = b;
      indegree[b]! += 1;
    }
    targets.length = kept;
  }

  // Kahn's algorithm; among ready units the one holding the earliest node goes first.
  const first = new Array<number>(unitCount);
  for (let u = 0; u < unitCount; u++) first[u] = members[u]![0]!;
  const ready = new Heap<number>((a, b) => first[a]! - first[b]!);
  for (let u = 0; u < unitCount; u++) if (indegree[u] === 0) ready.push(u);
  const order: number[] = [];
  while (ready.size > 0) {
    const u = ready.pop();
    order.push(u);
    const targets = succ[u]!;
    for (let i = 0; i < targets.length; i++) {
      const w = targets[i]!;
      indegree[w]! -= 1;
      if (indegree[w] === 0) ready.push(w);
    }
  }
  if (order.length !== unitCount) {
    // The construction above makes this impossible; fail loudly rather than emit a bad DAG.
    throw new Error("internal error: the group graph has a cycle");
  }
  const groupOfUnit = new Array<number>(unitCount);
  for (let g = 0; g < unitCount; g++) groupOfUnit[order[g]!] = g;
  const groupOf = new Array<number>(n);
  for (let v = 0; v < n; v++) groupOf[v] = groupOfUnit[unitOfNodes[v]!]!;

  const groups: Group[] = new Array<Group>(unitCount);
  // upstreamOf[h] === g: group h is already listed upstream of group g (no set per group).
  const upstreamOf = new Int32Array(unitCount).fill(-1);
  for (let g = 0; g < unitCount; g++) {
    const nodes = members[order[g]!]!;
    let kind: Group["kind"] = "default";
    const upstream: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const v = nodes[i]!;
      if (detected[v] !== null) kind = "spark";
      const inEdges = graph.inEdges[v]!;
      for (let j = 0; j < inEdges.length; j++) {
        const up = groupOf[edges[inEdges[j]!]!.from]!;
        if (up !== g && upstreamOf[up] !== g) {
          upstreamOf[up] = g;
          upstream.push(up);
        }
      }
    }
    groups[g] = {
      name: "",
      kind,
      nodes,
      // Most groups wait for one group or none: V8's sort copies even those into a work array.
      upstream: upstream.length > 1 ? upstream.sort(ascending) : upstream,
      reasons: NO_REASONS,
    };
  }

  nameGroups(graph, groups, groupOf);
  for (let g = 0; g < groups.length; g++) {
    explainMembers(graph, detected, memoryEdge, groupOf, groups[g]!, g);
  }
  return { groups, groupOf, warnings };
}

/**
 * Names each group from its own contents (task-ids.ts): `pyspark_<first node>` for a Spark
 * group, its first node's name for a default group, hashed where that is no plain task id.
 * No name depends on plan order or on another group, so an edit elsewhere renames nothing.
 */
function nameGroups(graph: PipelineGraph, groups: Group[], groupOf: readonly number[]): void {
  const taken = new Set<string>();
  groups.forEach((group, g) => {
    const first =
      group.nodes.length === 1
        ? graph.nodes[group.nodes[0]!]!.name // the common case: nothing to choose
        : firstNodeOf(
            group.nodes.map((v) => graph.nodes[v]!.name),
            group.nodes.map((v) =>
              graph.inEdges[v]!.some((id) => groupOf[graph.edges[id]!.from] === g),
            ),
          );
    group.name = groupName(group.kind, first);
    // Distinct by construction unless two 32-bit hashes collide; never emit a bad DAG.
    if (taken.has(group.name)) {
      throw new Error(`internal error: two groups are named ${JSON.stringify(group.name)}`);
    }
    taken.add(group.name);
  });
}

function explainMembers(
  graph: PipelineGraph,
  detected: readonly (Reason | null)[],
  memoryEdge: readonly boolean[],
  groupOf: readonly number[],
  group: Group,
  g: number,
): void {
  if (group.kind === "default" && group.nodes.length === 1) return;
  const reasons = new Map<number, Reason>();
  group.reasons = reasons;
  const name = (v: number) => JSON.stringify(graph.nodes[v]!.name);
  for (let i = 0; i < group.nodes.length; i++) {
    const v = group.nodes[i]!;
    const own = detected[v];
    if (own !== null && own !== undefined) {
      reasons.set(v, own);
      continue;
    }
    const memory =
      graph.inEdges[v]!.find((id) => memoryEdge[id]) ??
      graph.outEdges[v]!.find((id) => memoryEdge[id]);
    if (memory !== undefined) {
      const e = graph.edges[memory]!;
      const d = e.datasets[0]!;
      const other = e.from === v ? e.to : e.from;
      const verb = e.from === v ? "passes" : "receives";
      const dataset = e.from === v ? d.produced : d.consumed;
      reasons.set(v, {
        code: "in-memory",
        evidence: `${verb} ${JSON.stringify(dataset)}, which is not persisted, ${e.from === v ? "to" : "from"} ${name(other)}`,
      });
      continue;
    }
    const inside = (id: number, end: "from" | "to") => groupOf[graph.edges[id]![end]] === g;
    const fromId = graph.inEdges[v]!.find((id) => inside(id, "from"));
    const toId = graph.outEdges[v]!.find((id) => inside(id, "to"));
    if (fromId === undefined || toId === undefined) continue; // a node merged by level only: no reason needed
    const inE = graph.edges[fromId]!;
    const outE = graph.edges[toId]!;
    reasons.set(v, {
      code: "sandwiched",
      evidence: `takes ${JSON.stringify(inE.datasets[0]!.consumed)} from ${name(inE.from)} and feeds ${JSON.stringify(outE.datasets[0]!.produced)} to ${name(outE.to)}, both in this group`,
    });
  }
}

/** Iterative Tarjan: returns the SCC id of each vertex, SCCs numbered in reverse topological order. */
function tarjan(succ: readonly number[][]): Int32Array {
  const count = succ.length;
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const scc = new Int32Array(count).fill(-1);
  const stack = new Int32Array(count);
  let stackSize = 0;
  // The DFS path as two parallel stacks (vertex, next successor to try): a vertex is on the
  // path at most once, so `count` slots suffice and no frame objects are allocated.
  const pathV = new Int32Array(count);
  const pathI = new Int32Array(count);
  let nextIndex = 0;
  let nextScc = 0;
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    pathV[0] = root;
    pathI[0] = 0;
    let depth = 1;
    index[root] = low[root] = nextIndex++;
    stack[stackSize++] = root;
    onStack[root] = 1;
    while (depth > 0) {
      const v = pathV[depth - 1]!;
      const targets = succ[v]!;
      const i = pathI[depth - 1]!;
      if (i < targets.length) {
        pathI[depth - 1] = i + 1;
        const w = targets[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = nextIndex++;
          stack[stackSize++] = w;
          onStack[w] = 1;
          pathV[depth] = w;
          pathI[depth] = 0;
          depth++;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = pathV[depth - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--stackSize]!;
          onStack[w] = 0;
          scc[w] = nextScc;
        } while (w !== v);
        nextScc++;
      }
    }
  }
  return scc;
}

/** The reasons of a group that needs none (a lone default node): one shared, empty map. */
const NO_REASONS: ReadonlyMap<number, Reason> = new Map();

function ascending(a: number, b: number): number {
  return a - b;
}

class UnionFind {
  private readonly parent: Int32Array;
  private readonly rank: Uint8Array; // at most log2(size)
  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
    this.rank = new Uint8Array(size);
  }
  find(x: number): number {
    let root = x;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[x] !== root) {
      const next = this.parent[x]!;
      this.parent[x] = root;
      x = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (this.rank[ra]! < this.rank[rb]!) this.parent[ra] = rb;
    else if (this.rank[ra]! > this.rank[rb]!) this.parent[rb] = ra;
    else {
      this.parent[rb] = ra;
      this.rank[ra]! += 1;
    }
  }
}
