import { InputError, formatPath } from "../common/errors";
import { Heap } from "../common/heap";
import { Pairs } from "../common/lists";
import { baseDatasetName, isParameter, type Manifest, type ManifestNode } from "./types";

/** One dataset carried along an edge, under the names each side uses (they differ when transcoded). */
export interface EdgeDataset {
  /** The name in the producer's outputs, e.g. `trips@spark`. */
  produced: string;
  /** The name in the consumer's inputs, e.g. `trips@pandas`. */
  consumed: string;
}

/** A dependency between two nodes, with every dataset that makes it. */
export interface Edge {
  from: number;
  to: number;
  datasets: EdgeDataset[];
}

/**
 * The pipeline as a graph: nodes in a topological order and one edge per producer/consumer
 * pair. Node ids are positions in `nodes`; an edge always goes from a lower id to a higher one.
 */
export interface PipelineGraph {
  nodes: ManifestNode[];
  edges: Edge[];
  /** Edge ids leaving / entering each node, in edge order. */
  outEdges: number[][];
  inEdges: number[][];
  /** Free inputs: datasets some node reads that no node produces (raw data, by base name). */
  freeInputs: Set<string>;
}

/**
 * Builds the dependency graph of a manifest and checks what Kedro would reject: duplicate
 * node names, two producers of one dataset (transcoded names count as one), and cycles.
 * Indexed loops: unoptimised, a for...of allocates per step (docs/performance.md, sixth round).
 */
export function buildPipelineGraph(manifest: Manifest, source: string): PipelineGraph {
  const nodes = manifest.nodes;
  const firstIndex = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const seen = firstIndex.get(node.name);
    if (seen !== undefined) {
      throw new InputError(
        source,
        formatPath(["nodes", i, "name"]),
        `duplicate node name ${JSON.stringify(node.name)} (also nodes[${seen}]); node names must be unique`,
      );
    }
    firstIndex.set(node.name, i);
  }

  // Producer of each dataset, by base name so that `x@spark` and `x@pandas` are one dataset.
  const producer = new Map<string, { node: number; name: string }>();
  for (let i = 0; i < nodes.length; i++) {
    const outputs = nodes[i]!.outputs;
    for (let j = 0; j < outputs.length; j++) {
      const output = outputs[j]!;
      const base = baseDatasetName(output);
      const other = producer.get(base);
      if (other !== undefined) {
        const where =
          other.node === i
            ? "this node"
            : `node ${JSON.stringify(nodes[other.node]!.name)} (nodes[${other.node}])`;
        throw new InputError(
          source,
          formatPath(["nodes", i, "outputs", j]),
          `dataset ${JSON.stringify(output)} is already produced by ${where} as ${JSON.stringify(other.name)}; each dataset has one producer`,
        );
      }
      producer.set(base, { node: i, name: output });
    }
  }

  // Edges in the manifest's numbering first, merged per (producer, consumer) pair.
  const rawEdges: Edge[] = [];
  const freeInputs = new Set<string>();
  // The edge from each producer to the current consumer: `edgeTo[p]` is valid while
  // `edgeFor[p]` is that consumer (no map per node: this loop runs once per node).
  const edgeTo: (Edge | undefined)[] = new Array<Edge | undefined>(nodes.length);
  const edgeFor = new Int32Array(nodes.length).fill(-1);
  for (let consumer = 0; consumer < nodes.length; consumer++) {
    const firstEdge = rawEdges.length;
    const inputs = nodes[consumer]!.inputs;
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k]!;
      if (isParameter(input)) continue;
      const base = baseDatasetName(input);
      const made = producer.get(base);
      if (made === undefined) {
        freeInputs.add(base);
        continue;
      }
      const edge = edgeFor[made.node] === consumer ? edgeTo[made.node] : undefined;
      if (edge === undefined) {
        // Made with its first dataset (most edges carry one): a list grown from empty reserves 17 slots.
        const created = {
          from: made.node,
          to: consumer,
          datasets: [{ produced: made.name, consumed: input }],
        };
        edgeTo[made.node] = created;
        edgeFor[made.node] = consumer;
        rawEdges.push(created);
      } else if (!carries(edge, input)) {
        edge.datasets.push({ produced: made.name, consumed: input });
      }
    }
    sortByProducer(rawEdges, firstEdge);
  }

  const order = topologicalOrder(nodes.length, rawEdges, (cycle) => {
    const names = cycle.map((i) => JSON.stringify(nodes[i]!.name));
    return new InputError(
      source,
      formatPath(["nodes", cycle[0]!]),
      `nodes form a cycle: ${names.join(" -> ")} -> ${names[0]}; a pipeline must be acyclic`,
    );
  });

  // Renumber nodes so that ids follow the topological order.
  const newId = new Array<number>(nodes.length);
  order.forEach((old, position) => (newId[old] = position));
  const sortedNodes = order.map((old) => nodes[old]!);
  // Usually nothing moved (the exporter writes Kedro's order): the edges, made consumer by
  // consumer and sorted by producer within each, are then in (to, from) order already.
  const moved = order.some((old, position) => old !== position);
  const edges = moved
    ? rawEdges
        .map((e) => ({ from: newId[e.from]!, to: newId[e.to]!, datasets: e.datasets }))
        .sort((a, b) => a.to - b.to || a.from - b.from)
    : rawEdges;
  const outPairs = new Pairs(edges.length);
  const inPairs = new Pairs(edges.length);
  for (let id = 0; id < edges.length; id++) {
    outPairs.add(edges[id]!.from, id);
    inPairs.add(edges[id]!.to, id);
  }
  const outEdges = outPairs.bucket(nodes.length);
  const inEdges = inPairs.bucket(nodes.length);
  return { nodes: sortedNodes, edges, outEdges, inEdges, freeInputs };
}

function isForward(edges: readonly Edge[]): boolean {
  for (let i = 0; i < edges.length; i++) if (edges[i]!.from >= edges[i]!.to) return false;
  return true;
}

function carries(edge: Edge, consumed: string): boolean {
  const datasets = edge.datasets;
  for (let i = 0; i < datasets.length; i++) if (datasets[i]!.consumed === consumed) return true;
  return false;
}

/** Insertion sort by producer of `edges[start..]` (one consumer's edges: a handful). */
function sortByProducer(edges: Edge[], start: number): void {
  for (let i = start + 1; i < edges.length; i++) {
    const e = edges[i]!;
    let j = i - 1;
    while (j >= start && edges[j]!.from > e.from) {
      edges[j + 1] = edges[j]!;
      j--;
    }
    edges[j + 1] = e;
  }
}

/**
 * A topological order that keeps the given order wherever it is already valid (the exporter
 * writes Kedro's order, so usually nothing moves). Calls `onCycle` with one cycle if any.
 */
function topologicalOrder(
  count: number,
  edges: readonly Edge[],
  onCycle: (cycle: number[]) => Error,
): number[] {
  if (isForward(edges)) {
    const identity = new Array<number>(count);
    for (let i = 0; i < count; i++) identity[i] = i;
    return identity;
  }
  const succ: number[][] = Array.from({ length: count }, () => []);
  const indegree = new Array<number>(count).fill(0);
  for (const e of edges) {
    succ[e.from]!.push(e.to);
    indegree[e.to]! += 1;
  }
  // Ready nodes leave in their original order: a binary heap on the original index.
  const heap = new Heap<number>((a, b) => a - b);
  for (let i = 0; i < count; i++) if (indegree[i] === 0) heap.push(i);
  const order: number[] = [];
  while (heap.size > 0) {
    const n = heap.pop();
    order.push(n);
    for (const m of succ[n]!) {
      indegree[m]! -= 1;
      if (indegree[m] === 0) heap.push(m);
    }
  }
  if (order.length === count) return order;
  throw onCycle(findCycle(succ, indegree));
}

/**
 * Walks backwards among the nodes Kahn could not free (each has an unfreed predecessor)
 * until a node repeats: that loop, reversed, is a cycle.
 */
function findCycle(succ: number[][], indegree: number[]): number[] {
  const pred: number[][] = succ.map(() => []);
  succ.forEach((targets, from) => targets.forEach((to) => pred[to]!.push(from)));
  const stuck = (n: number) => indegree[n]! > 0;
  let current = indegree.findIndex((d) => d > 0);
  const seenAt = new Map<number, number>();
  const walk: number[] = [];
  while (!seenAt.has(current)) {
    seenAt.set(current, walk.length);
    walk.push(current);
    current = pred[current]!.find(stuck)!;
  }
  const cycle = walk.slice(seenAt.get(current)).reverse();
  // Start the message at the smallest index so it reads the same every time.
  const start = cycle.indexOf(Math.min(...cycle));
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}
