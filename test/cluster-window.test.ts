import fc from "fast-check";
import { clusterCreateAfter, clusterWindow } from "../components/planning/cluster-window";
import type { Plan, PlanGroup } from "../components/planning/plan";
import { planToText } from "../components/planning/report";

/** A plan of groups only (what the window reads): upstreams point to earlier groups. */
function planOf(groups: { kind: "spark" | "default"; upstream: number[] }[]): Plan {
  return {
    project: "p",
    pipeline: "__default__",
    groups: groups.map((g, i): PlanGroup => ({
      name: `g${i}`,
      kind: g.kind,
      nodes: [`n${i}`],
      upstream: g.upstream.map((u) => `g${u}`),
      reasons: {},
    })),
    edges: [],
    counts: {
      nodes: groups.length,
      edges: 0,
      groups: groups.length,
      sparkJobs: groups.filter((g) => g.kind === "spark").length,
      sparkNodes: 0,
      defaultNodesInSparkGroups: 0,
      longestChain: 0,
    },
    warnings: [],
  };
}

const randomPlan = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({
        kind: fc.constantFrom("spark" as const, "default" as const),
        upstream: fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), {
          maxLength: i === 0 ? 0 : 3,
        }),
      }),
    ),
  ),
);

/** The checker: ancestor sets by plain recursion over the upstream lists. */
function ancestorsOf(groups: { upstream: number[] }[]): Set<number>[] {
  const memo: (Set<number> | undefined)[] = [];
  const anc = (g: number): Set<number> => {
    if (memo[g]) return memo[g]!;
    const out = new Set<number>();
    for (const u of groups[g]!.upstream) {
      out.add(u);
      for (const a of anc(u)) out.add(a);
    }
    return (memo[g] = out);
  };
  return groups.map((_, g) => anc(g));
}

describe("the Dataproc cluster's window", () => {
  it("is created after exactly the nearest common ancestors of the earliest Spark jobs, and idles through the rest", () => {
    fc.assert(
      fc.property(randomPlan, (groups) => {
        const window = clusterWindow(planOf(groups));
        const sparks = groups.flatMap((g, i) => (g.kind === "spark" ? [i] : []));
        if (sparks.length === 0) {
          expect(clusterCreateAfter(planOf(groups))).toBeNull();
          return expect(window).toBeNull();
        }
        const anc = ancestorsOf(groups);
        const earliest = sparks.filter(
          (s) => ![...anc[s]!].some((a) => groups[a]!.kind === "spark"),
        );
        const common = groups.map((_, g) => g).filter((g) => earliest.every((e) => anc[e]!.has(g)));
        const nearest = common.filter((g) => !common.some((c) => anc[c]!.has(g)));
        expect(window!.createAfter).toEqual(nearest.map((g) => `g${g}`));
        // What the DAG uses: the same list, without the idle-task walk.
        expect(clusterCreateAfter(planOf(groups))!.map((g) => `g${g}`)).toEqual(
          window!.createAfter,
        );
        const idle = groups
          .map((_, g) => g)
          .filter(
            (g) =>
              groups[g]!.kind === "default" &&
              !common.includes(g) &&
              sparks.some((s) => anc[s]!.has(g)),
          );
        expect(window!.idleTasks).toEqual(idle.map((g) => `g${g}`));
        // Never later than a job could start: every earliest job waits for all of createAfter.
        for (const e of earliest) for (const g of nearest) expect(anc[e]!.has(g)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("says it in plan's text, per backend", () => {
    // pod g0 -> spark g1 -> pod g2 -> spark g3; pod g4 alone feeds g3.
    const plan = planOf([
      { kind: "default", upstream: [] },
      { kind: "spark", upstream: [0] },
      { kind: "default", upstream: [1] },
      { kind: "default", upstream: [] },
      { kind: "spark", upstream: [2, 3] },
    ]);
    const last = (backend: Parameters<typeof planToText>[2]) =>
      planToText(plan, undefined, backend).trimEnd().split("\n").at(-1);
    expect(last("dataproc")).toBe(
      "dataproc: one cluster per run, created after g0, deleted after the last Spark job; up to 2 pods may run while it waits for them: g2, g3",
    );
    expect(last("dataproc-serverless")).toMatch(/^dataproc-serverless: one batch per Spark job/);
    expect(last("kubernetes")).toMatch(/^kubernetes: one driver per Spark job/);
    expect(last(null)).toMatch(/run_config\.spark\.type is not set/);
    expect(last(undefined)).toMatch(/^\d+ nodes?, /);
  });
});
