/**
 * Property tests of the planner over random pipelines. The checker below is written from
 * the invariants in design.md, on its own small vocabulary of dataset types, and shares no
 * code with the planner.
 */
import fc from "fast-check";
import { normaliseRunConfig } from "../components/config/load";
import type { Manifest } from "../components/manifest/types";
import { planPipeline, type Plan } from "../components/planning/plan";
import { DF, MEMORY_TYPE, SPARK_TYPE, TAG, generate, shapes } from "./helpers/random-pipeline";

// ---- the independent checker ----

const base = (name: string) => name.split("@")[0]!;
const isParam = (name: string) => name === "parameters" || name.startsWith("params:");

interface Facts {
  names: string[];
  spark: boolean[];
  /** [producer, consumer, memory?, sparkDataset?] */
  edges: [number, number, boolean, boolean][];
}

function facts(m: Manifest): Facts {
  const names = m.nodes.map((n) => n.name);
  const typeOf = (d: string) => m.datasets[d]?.type;
  const spark = m.nodes.map(
    (n) =>
      n.tags.includes(TAG) ||
      n.inputTypes.includes(DF) ||
      [...n.inputs, ...n.outputs].some((d) => typeOf(d) === SPARK_TYPE),
  );
  const producer = new Map<string, [number, string]>();
  m.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(base(o), [i, o])));
  const edges: Facts["edges"] = [];
  m.nodes.forEach((n, i) => {
    for (const d of n.inputs) {
      if (isParam(d)) continue;
      const p = producer.get(base(d));
      if (!p) continue;
      const memory = [d, p[1]].some((x) => typeOf(x) === undefined || typeOf(x) === MEMORY_TYPE);
      const sparkDs = [d, p[1]].some((x) => typeOf(x) === SPARK_TYPE);
      edges.push([p[0], i, memory, sparkDs]);
    }
  });
  return { names, spark, edges };
}

/** Checks every invariant of design.md on a plan; returns the group index of each node. */
function checkInvariants(f: Facts, plan: Plan, grouping: boolean): number[] {
  const index = new Map(f.names.map((n, i) => [n, i]));
  const groupOf = new Array<number>(f.names.length).fill(-1);
  const position = new Map<string, number>();
  plan.groups.forEach((g, gi) => {
    position.set(g.name, gi);
    g.nodes.forEach((name) => {
      const v = index.get(name);
      expect(v).toBeDefined();
      expect(groupOf[v!]).toBe(-1); // in no other group
      groupOf[v!] = gi;
    });
  });
  expect(groupOf.every((g) => g >= 0)).toBe(true); // every node in a group
  expect(new Set(plan.groups.map((g) => g.name)).size).toBe(plan.groups.length);

  plan.groups.forEach((g, gi) => {
    const sparkInside = g.nodes.some((name) => f.spark[index.get(name)!]);
    expect(g.kind).toBe(sparkInside ? "spark" : "default"); // Spark nodes only in Spark groups
    for (const up of g.upstream) expect(position.get(up)!).toBeLessThan(gi); // topological => acyclic
  });

  const crossing = new Set<string>();
  for (const [a, b, memory, sparkDs] of f.edges) {
    const ga = groupOf[a]!;
    const gb = groupOf[b]!;
    if (memory) expect(ga).toBe(gb); // in-memory data never crosses a task boundary
    if (grouping && sparkDs && f.spark[a] && f.spark[b]) expect(ga).toBe(gb);
    if (ga !== gb) {
      crossing.add(`${ga}>${gb}`);
      expect(plan.groups[gb]!.upstream).toContain(plan.groups[ga]!.name); // every dependency kept
    } else {
      const nodes = plan.groups[ga]!.nodes;
      expect(nodes.indexOf(f.names[a]!)).toBeLessThan(nodes.indexOf(f.names[b]!));
    }
  }
  // No edge between groups that no dependency asks for.
  const declared = plan.groups.flatMap((g, gi) =>
    g.upstream.map((u) => `${position.get(u)}>${gi}`),
  );
  expect(new Set(declared)).toEqual(crossing);

  // Names (generated node names are plain ids): the group's first node, the least name among
  // its nodes that no node of the group feeds, after `pyspark_` for a Spark group.
  const fed = new Set<string>();
  for (const [a, b] of f.edges) if (groupOf[a] === groupOf[b]) fed.add(f.names[b]!);
  for (const g of plan.groups) {
    const first = g.nodes.filter((n) => !fed.has(n)).sort()[0];
    expect(g.name).toBe(g.kind === "spark" ? `pyspark_${first}` : first);
  }
  const defaultsInSpark = plan.groups
    .filter((g) => g.kind === "spark")
    .reduce((s, g) => s + g.nodes.filter((n) => !f.spark[index.get(n)!]).length, 0);
  expect(plan.counts.defaultNodesInSparkGroups).toBe(defaultsInSpark);
  expect(plan.counts.sparkJobs).toBe(plan.groups.filter((g) => g.kind === "spark").length);
  return groupOf;
}

// ---- brute force over every partition, for small pipelines ----

/** Every set partition of 0..n-1 as a block label per element (restricted growth strings). */
function* partitions(n: number): Generator<number[]> {
  const labels = new Array<number>(n).fill(0);
  function* rec(i: number, max: number): Generator<number[]> {
    if (i === n) {
      yield labels.slice();
      return;
    }
    for (let l = 0; l <= max + 1; l++) {
      labels[i] = l;
      yield* rec(i + 1, Math.max(max, l));
    }
  }
  if (n === 0) yield [];
  else yield* rec(0, -1);
}

function isValid(f: Facts, labels: number[], grouping: boolean): boolean {
  const blocks = Math.max(-1, ...labels) + 1;
  const succ: Set<number>[] = Array.from({ length: blocks }, () => new Set());
  for (const [a, b, memory, sparkDs] of f.edges) {
    const la = labels[a]!;
    const lb = labels[b]!;
    if (la === lb) continue;
    if (memory) return false;
    if (grouping && sparkDs && f.spark[a] && f.spark[b]) return false;
    succ[la]!.add(lb);
  }
  // Acyclic quotient: repeatedly remove blocks with no incoming edge.
  const indeg = new Array<number>(blocks).fill(0);
  succ.forEach((s) => s.forEach((t) => (indeg[t]! += 1)));
  const queue = indeg.flatMap((d, b) => (d === 0 ? [b] : []));
  let seen = 0;
  while (queue.length > 0) {
    const b = queue.pop()!;
    seen++;
    for (const t of succ[b]!) if (--indeg[t]! === 0) queue.push(t);
  }
  return seen === blocks;
}

function cost(f: Facts, labels: number[]): [number, number] {
  const sparkBlocks = new Set(labels.filter((_, v) => f.spark[v]));
  const defaultsInSpark = labels.filter((l, v) => !f.spark[v] && sparkBlocks.has(l)).length;
  return [defaultsInSpark, sparkBlocks.size];
}

const config = (grouping: boolean) =>
  normaliseRunConfig({ run_config: { group_spark_nodes: grouping } }, "property config");

describe("planner properties", () => {
  it("keeps every invariant on random pipelines of up to 2,000 nodes", () => {
    fc.assert(
      fc.property(shapes(2000), (shape) => {
        const manifest = generate(shape);
        const plan = planPipeline(manifest, config(shape.grouping));
        checkInvariants(facts(manifest), plan, shape.grouping);
      }),
      { numRuns: 60 },
    );
  });

  it("finds the best plan of all valid plans on small pipelines (grouping on)", () => {
    fc.assert(
      fc.property(shapes(7), (shape) => {
        const manifest = generate(shape);
        const f = facts(manifest);
        const plan = planPipeline(manifest, config(true));
        const ours = checkInvariants(f, plan, true);
        expect(isValid(f, ours, true)).toBe(true);
        let best: [number, number] = [Infinity, Infinity];
        for (const labels of partitions(f.names.length)) {
          if (!isValid(f, labels, true)) continue;
          const c = cost(f, labels);
          if (c[0] < best[0] || (c[0] === best[0] && c[1] < best[1])) best = c;
        }
        expect(cost(f, ours)).toEqual(best);
      }),
      { numRuns: 400 },
    );
  });

  it("with grouping off, splits as finely as any valid plan allows", () => {
    fc.assert(
      fc.property(shapes(7), (shape) => {
        const manifest = generate(shape);
        const f = facts(manifest);
        const ours = checkInvariants(f, planPipeline(manifest, config(false)), false);
        // Every valid partition must be a coarsening of ours: nodes we put apart could
        // have been together, but nodes we put together must be together in all of them.
        for (const labels of partitions(f.names.length)) {
          if (!isValid(f, labels, false)) continue;
          for (let a = 0; a < ours.length; a++) {
            for (let b = a + 1; b < ours.length; b++) {
              if (ours[a] === ours[b]) expect(labels[a]).toBe(labels[b]);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives byte-identical JSON for the same manifest", () => {
    fc.assert(
      fc.property(shapes(300), (shape) => {
        const a = JSON.stringify(planPipeline(generate(shape), config(shape.grouping)));
        const b = JSON.stringify(planPipeline(generate(shape), config(shape.grouping)));
        expect(a).toBe(b);
      }),
      { numRuns: 30 },
    );
  });
});
