import type { PipelineGraph } from "../manifest/graph";
import { Heap } from "../common/heap";
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
  reasons: Map<number, Reason>;
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
  const memoryEdge = graph.edges.map((e) =>
    e.datasets.some((d) => catalog.isInMemory(d.produced) || catalog.isInMemory(d.consumed)),
  );
  graph.edges.forEach((e, id) => {
    if (memoryEdge[id]) {
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
      e.datasets.some(
        (d) =>
          catalog.sparkClassOf(d.produced) !== null || catalog.sparkClassOf(d.consumed) !== null,
      )
    ) {
      uf.union(e.from, e.to);
    }
  });

  // Components numbered by their first node, so every later step is deterministic.
  const compOf = new Array<number>(n);
  const compId = new Map<number, number>();
  for (let v = 0; v < n; v++) {
    const root = uf.find(v);
    let c = compId.get(root);
    if (c === undefined) {
      c = compId.size;
      compId.set(root, c);
    }
    compOf[v] = c;
  }
  const compCount = compId.size;
  const compSucc: number[][] = Array.from({ length: compCount }, () => []);
  for (const e of graph.edges) {
    const a = compOf[e.from]!;
    const b = compOf[e.to]!;
    if (a !== b) compSucc[a]!.push(b);
  }

  // 2. Strongly connected components, emitted in reverse topological order.
  const sccOfComp = tarjan(compSucc);
  const sccCount = sccOfComp.reduce((m, s) => Math.max(m, s + 1), 0);
  // Tarjan numbers SCCs sinks first; flip so that ids run in topological order.
  const sccOf = (v: number) => sccCount - 1 - sccOfComp[compOf[v]!]!;
  const sccSpark = new Array<boolean>(sccCount).fill(false);
  for (let v = 0; v < n; v++) if (isSpark(v)) sccSpark[sccOf(v)] = true;

  // 3. Spark levels, in topological order of the SCCs.
  const unitOf = new Array<number>(sccCount); // the group-to-be of each SCC
  if (options.groupSparkNodes) {
    const sccPred: number[][] = Array.from({ length: sccCount }, () => []);
    for (const e of graph.edges) {
      const a = sccOf(e.from);
      const b = sccOf(e.to);
      if (a !== b) sccPred[b]!.push(a);
    }
    // level: for a Spark SCC its level; for a default SCC the highest level upstream of it (-1: none).
    const level = new Array<number>(sccCount);
    for (let s = 0; s < sccCount; s++) {
      let best = sccSpark[s] ? 0 : -1;
      for (const p of sccPred[s]!) {
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

  return buildGroups(graph, detected, memoryEdge, (v) => unitOf[sccOf(v)]!, warnings);
}

/** Orders the units topologically, names them, and explains their members. */
function buildGroups(
  graph: PipelineGraph,
  detected: readonly (Reason | null)[],
  memoryEdge: readonly boolean[],
  unitOfNode: (v: number) => number,
  warnings: string[],
): Grouping {
  const n = graph.nodes.length;
  const unitOfNodes = Array.from({ length: n }, (_, v) => unitOfNode(v));
  let unitCount = 0;
  for (let v = 0; v < n; v++) unitCount = Math.max(unitCount, unitOfNodes[v]! + 1);
  const members: number[][] = Array.from({ length: unitCount }, () => []);
  for (let v = 0; v < n; v++) members[unitOfNodes[v]!]!.push(v);
  // Unit edges in first-seen order, each once: one set of pairs, not one set per unit.
  const succ: number[][] = Array.from({ length: unitCount }, () => []);
  const pairs = new Set<number>();
  const indegree = new Array<number>(unitCount).fill(0);
  for (const e of graph.edges) {
    const a = unitOfNodes[e.from]!;
    const b = unitOfNodes[e.to]!;
    if (a !== b && !pairs.has(a * unitCount + b)) {
      pairs.add(a * unitCount + b);
      succ[a]!.push(b);
      indegree[b]! += 1;
    }
  }

  // Kahn's algorithm; among ready units the one holding the earliest node goes first.
  const first = members.map((m) => m[0]!);
  const ready = new Heap<number>((a, b) => first[a]! - first[b]!);
  for (let u = 0; u < unitCount; u++) if (indegree[u] === 0) ready.push(u);
  const order: number[] = [];
  while (ready.size > 0) {
    const u = ready.pop();
    order.push(u);
    for (const w of succ[u]!) {
      indegree[w]! -= 1;
      if (indegree[w] === 0) ready.push(w);
    }
  }
  if (order.length !== unitCount) {
    // The construction above makes this impossible; fail loudly rather than emit a bad DAG.
    throw new Error("internal error: the group graph has a cycle");
  }
  const groupOfUnit = new Array<number>(unitCount);
  order.forEach((u, g) => (groupOfUnit[u] = g));
  const groupOf = Array.from({ length: n }, (_, v) => groupOfUnit[unitOfNodes[v]!]!);

  const groups: Group[] = order.map((u) => {
    const nodes = members[u]!;
    const kind = nodes.some((v) => detected[v] !== null) ? "spark" : "default";
    const upstream = new Set<number>();
    for (const v of nodes) {
      for (const id of graph.inEdges[v]!) {
        const g = groupOf[graph.edges[id]!.from]!;
        if (g !== groupOfUnit[u]) upstream.add(g);
      }
    }
    return {
      name: "",
      kind,
      nodes,
      upstream: [...upstream].sort((a, b) => a - b),
      reasons: new Map<number, Reason>(),
    };
  });

  nameGroups(graph, groups, groupOf);
  groups.forEach((group, g) => explainMembers(graph, detected, memoryEdge, groupOf, group, g));
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
    const fedInside = group.nodes.map((v) =>
      graph.inEdges[v]!.some((id) => groupOf[graph.edges[id]!.from] === g),
    );
    const names = group.nodes.map((v) => graph.nodes[v]!.name);
    group.name = groupName(group.kind, firstNodeOf(names, fedInside));
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
  const name = (v: number) => JSON.stringify(graph.nodes[v]!.name);
  for (const v of group.nodes) {
    const own = detected[v];
    if (own !== null && own !== undefined) {
      group.reasons.set(v, own);
      continue;
    }
    const incident = [...graph.inEdges[v]!, ...graph.outEdges[v]!];
    const memory = incident.find((id) => memoryEdge[id]);
    if (memory !== undefined) {
      const e = graph.edges[memory]!;
      const d = e.datasets[0]!;
      const other = e.from === v ? e.to : e.from;
      const verb = e.from === v ? "passes" : "receives";
      const dataset = e.from === v ? d.produced : d.consumed;
      group.reasons.set(v, {
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
    group.reasons.set(v, {
      code: "sandwiched",
      evidence: `takes ${JSON.stringify(inE.datasets[0]!.consumed)} from ${name(inE.from)} and feeds ${JSON.stringify(outE.datasets[0]!.produced)} to ${name(outE.to)}, both in this group`,
    });
  }
}

/** Iterative Tarjan: returns the SCC id of each vertex, SCCs numbered in reverse topological order. */
function tarjan(succ: readonly number[][]): number[] {
  const count = succ.length;
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const scc = new Array<number>(count).fill(-1);
  const stack: number[] = [];
  let nextIndex = 0;
  let nextScc = 0;
  const frames: { v: number; i: number }[] = [];
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    frames.push({ v: root, i: 0 });
    index[root] = low[root] = nextIndex++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const { v } = frame;
      const targets = succ[v]!;
      if (frame.i < targets.length) {
        const w = targets[frame.i++]!;
        if (index[w] === -1) {
          index[w] = low[w] = nextIndex++;
          stack.push(w);
          onStack[w] = true;
          frames.push({ v: w, i: 0 });
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low[parent.v] = Math.min(low[parent.v]!, low[v]!);
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          scc[w] = nextScc;
        } while (w !== v);
        nextScc++;
      }
    }
  }
  return scc;
}

class UnionFind {
  private readonly parent: number[];
  private readonly rank: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
    this.rank = new Array<number>(size).fill(0);
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
