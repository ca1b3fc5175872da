import { planPipeline, type Plan } from "../components/planning/plan";
import { normaliseRunConfig } from "../components/config/load";
import { DF, MEMORY_DS, SPARK_DS, TAG, manifestOf, type NodeSpec } from "./helpers/pipelines";

const config = (groupSparkNodes = true, datasetTypes: string[] = []) =>
  normaliseRunConfig(
    { run_config: { group_spark_nodes: groupSparkNodes, spark: { dataset_types: datasetTypes } } },
    "test config",
  );

const plan = (nodes: NodeSpec[], datasets = {}, grouping = true): Plan =>
  planPipeline(manifestOf(nodes, datasets), config(grouping));

/** Groups as "kind:node,node" strings in plan order, for compact assertions. */
const shape = (p: Plan) => p.groups.map((g) => `${g.name}=${g.kind}:${g.nodes.join(",")}`);
const upstream = (p: Plan) => Object.fromEntries(p.groups.map((g) => [g.name, g.upstream]));

describe("grouping", () => {
  it("puts each default node in its own group, named after it", () => {
    const p = plan([
      { name: "a", in: ["raw"], out: ["x"] },
      { name: "b", in: ["x"], out: ["y"] },
    ]);
    expect(shape(p)).toEqual(["a=default:a", "b=default:b"]);
    expect(upstream(p)).toEqual({ a: [], b: ["a"] });
    expect(p.counts).toMatchObject({ groups: 2, sparkJobs: 0, defaultNodesInSparkGroups: 0 });
  });

  it("fixes the seed's anchor: A(spark) -> B(spark) plus A -> X -> Y -> B through default nodes", () => {
    // The seed builds {A,B} -> X -> Y -> {A,B}, a cycle Airflow rejects.
    const p = plan(
      [
        { name: "A", in: ["raw"], out: ["a_spark", "a_side"], tags: [TAG] },
        { name: "X", in: ["a_side"], out: ["x"] },
        { name: "Y", in: ["x"], out: ["y"] },
        { name: "B", in: ["a_spark", "y"], out: ["b"], inTypes: [DF] },
      ],
      { a_spark: SPARK_DS },
    );
    expect(shape(p)).toEqual(["pyspark_A=spark:A,X,Y,B"]);
    expect(p.groups[0]!.reasons["X"]).toMatchObject({ rule: 4, code: "sandwiched" });
    expect(p.groups[0]!.reasons["Y"]).toMatchObject({ rule: 4, code: "sandwiched" });
    expect(p.counts).toMatchObject({ sparkJobs: 1, defaultNodesInSparkGroups: 2 });
  });

  it("keeps A and B apart when no Spark dataset joins them, so no default node is pulled in", () => {
    const p = plan([
      { name: "A", in: ["raw"], out: ["a_pd", "a_side"], tags: [TAG] },
      { name: "X", in: ["a_side"], out: ["x"] },
      { name: "Y", in: ["x"], out: ["y"] },
      { name: "B", in: ["a_pd", "y"], out: ["b"], tags: [TAG] },
    ]);
    expect(shape(p)).toEqual([
      "pyspark_A=spark:A",
      "X=default:X",
      "Y=default:Y",
      "pyspark_B=spark:B",
    ]);
    expect(upstream(p)).toEqual({
      pyspark_A: [],
      X: ["pyspark_A"],
      Y: ["X"],
      pyspark_B: ["pyspark_A", "Y"],
    });
    expect(p.counts).toMatchObject({ sparkJobs: 2, defaultNodesInSparkGroups: 0 });
  });

  it("fixes kedro-airflow's anchor: memory grouping that would wrap around a persisted detour", () => {
    // A -> B in memory, and A -> X -> B persisted: grouping {A,B} alone gives {A,B} -> X -> {A,B}.
    const p = plan(
      [
        { name: "A", in: ["raw"], out: ["mem", "a"] },
        { name: "X", in: ["a"], out: ["x"] },
        { name: "B", in: ["mem", "x"], out: ["b"] },
      ],
      { mem: null },
    );
    expect(shape(p)).toEqual(["A=default:A,X,B"]);
    expect(p.groups[0]!.reasons["B"]).toMatchObject({ rule: null, code: "in-memory" });
    expect(p.groups[0]!.reasons["X"]).toMatchObject({ rule: 4, code: "sandwiched" });
  });

  it("keeps in-memory data inside one task, MemoryDataset entries included", () => {
    const p = plan(
      [
        { name: "a", in: ["raw"], out: ["m1"] },
        { name: "b", in: ["m1"], out: ["m2"] },
        { name: "c", in: ["m2"], out: ["out"] },
        { name: "d", in: ["out"], out: ["final"] },
      ],
      { m1: null, m2: MEMORY_DS },
    );
    expect(shape(p)).toEqual(["a=default:a,b,c", "d=default:d"]);
  });

  it("pulls a default node into a Spark group when they share in-memory data", () => {
    const p = plan(
      [
        { name: "s", in: ["raw"], out: ["m"], tags: [TAG] },
        { name: "d", in: ["m"], out: ["out"] },
      ],
      { m: null },
    );
    expect(shape(p)).toEqual(["pyspark_s=spark:s,d"]);
    expect(p.groups[0]!.reasons["d"]).toMatchObject({ code: "in-memory" });
    expect(p.counts.defaultNodesInSparkGroups).toBe(1);
  });

  it("groups Spark nodes joined by a Spark dataset, and a sandwiched node between them", () => {
    const p = plan(
      [
        { name: "s1", in: ["raw"], out: ["sdf", "side"], tags: [TAG] },
        { name: "mid", in: ["side"], out: ["back"] },
        { name: "s2", in: ["sdf", "back"], out: ["res"], tags: [TAG] },
        { name: "report", in: ["res"], out: ["rep"] },
      ],
      { sdf: SPARK_DS },
    );
    expect(shape(p)).toEqual(["pyspark_s1=spark:s1,mid,s2", "report=default:report"]);
  });

  it("treats transcoded names as one dataset for ordering", () => {
    const p = plan(
      [
        { name: "write", in: ["raw"], out: ["t@spark"], tags: [TAG] },
        { name: "read", in: ["t@pandas"], out: ["out"] },
      ],
      { "t@spark": SPARK_DS },
    );
    expect(shape(p)).toEqual(["pyspark_write=spark:write", "read=default:read"]);
    expect(upstream(p)).toEqual({ pyspark_write: [], read: ["pyspark_write"] });
    expect(p.edges).toEqual([{ from: "write", to: "read", datasets: ["t@pandas"] }]);
  });

  it("treats a transcoded name missing from the catalog as in memory", () => {
    const p = plan(
      [
        { name: "write", in: ["raw"], out: ["t@spark"], tags: [TAG] },
        { name: "read", in: ["t@pandas"], out: ["out"] },
      ],
      { "t@spark": SPARK_DS, "t@pandas": null },
    );
    expect(shape(p)).toEqual(["pyspark_write=spark:write,read"]);
  });

  it("never makes an edge from parameters", () => {
    const p = plan([
      { name: "a", in: ["params:x", "raw"], out: ["y"] },
      { name: "b", in: ["parameters", "params:x"], out: ["z"] },
    ]);
    expect(p.counts.edges).toBe(0);
    expect(upstream(p)).toEqual({ a: [], b: [] });
  });

  it("merges independent Spark work into one job, but not across a default node", () => {
    // s1 and s2 are independent; s3 comes after a default node downstream of s1.
    const p = plan([
      { name: "s1", in: ["raw1"], out: ["a"], tags: [TAG] },
      { name: "s2", in: ["raw2"], out: ["b"], tags: [TAG] },
      { name: "d", in: ["a"], out: ["c"] },
      { name: "s3", in: ["c", "b"], out: ["e"], tags: [TAG] },
    ]);
    expect(shape(p)).toEqual(["pyspark_s1=spark:s1,s2", "d=default:d", "pyspark_s3=spark:s3"]);
    expect(p.counts).toMatchObject({ sparkJobs: 2, defaultNodesInSparkGroups: 0, longestChain: 3 });
  });

  it("with group_spark_nodes false, runs one Spark job per Spark node, still acyclic", () => {
    const nodes: NodeSpec[] = [
      { name: "A", in: ["raw"], out: ["a_spark", "a_side"], tags: [TAG] },
      { name: "X", in: ["a_side"], out: ["x"] },
      { name: "B", in: ["a_spark", "x"], out: ["b"], tags: [TAG] },
      { name: "C", in: ["raw2"], out: ["c"], tags: [TAG] },
    ];
    const p = plan(nodes, { a_spark: SPARK_DS }, false);
    expect(shape(p)).toEqual([
      "pyspark_A=spark:A",
      "X=default:X",
      "pyspark_B=spark:B",
      "pyspark_C=spark:C",
    ]);
    expect(upstream(p)).toMatchObject({ pyspark_B: ["pyspark_A", "X"] });
  });

  it("with group_spark_nodes false, still keeps in-memory data in one job, and says so", () => {
    const p = plan(
      [
        { name: "A", in: ["raw"], out: ["m"], tags: [TAG] },
        { name: "B", in: ["m"], out: ["b"], tags: [TAG] },
      ],
      { m: null },
      false,
    );
    expect(shape(p)).toEqual(["pyspark_A=spark:A,B"]);
    expect(p.warnings.join("\n")).toMatch(
      /group_spark_nodes is false, but Spark nodes "A" and "B" pass in-memory data/,
    );
  });

  it("hashes a pod group whose node is named like a Spark group, and leaves the Spark group be", () => {
    const p = plan([
      { name: "pyspark_s", in: ["raw"], out: ["x"] },
      { name: "s", in: ["x"], out: ["y"], tags: [TAG] },
    ]);
    expect(shape(p)).toEqual(["pyspark_s__8618a530=default:pyspark_s", "pyspark_s=spark:s"]);
  });

  // Hashes: python3 -c "import hashlib; print(hashlib.sha256(b'default\\npyspark_s').hexdigest()[:8])"
  it("hashes reserved ids and Kedro 0.19 generated names into valid ids, keeping the nodes", () => {
    const name = "f([a;b]) -> [c]";
    const p = plan([
      { name, in: ["a", "b"], out: ["c"] },
      { name: "create_spark_cluster", in: ["c"], out: ["d"] },
    ]);
    expect(shape(p)).toEqual([
      "f_a_b_-_c___16a68646=default:f([a;b]) -> [c]",
      "create_spark_cluster__ece3e6f2=default:create_spark_cluster",
    ]);
  });

  it("names a group after its first node by the edges inside it, not by the plan's order", () => {
    // b and a are both sources of the one Spark job; b comes first in the pipeline's order.
    const p = plan([
      { name: "b", in: ["raw1"], out: ["x"], tags: [TAG] },
      { name: "a", in: ["raw2"], out: ["y"], tags: [TAG] },
      { name: "c", in: ["x", "y"], out: ["z"], tags: [TAG] },
    ]);
    expect(shape(p)).toEqual(["pyspark_a=spark:b,a,c"]);
  });

  it("warns about a free input that is not in the catalog", () => {
    const p = plan([{ name: "a", in: ["ghost"], out: ["x"] }], { ghost: null });
    expect(p.warnings).toEqual([
      expect.stringContaining('dataset "ghost" is read but no node produces it'),
    ]);
  });

  it("handles an empty pipeline", () => {
    const p = plan([]);
    expect(p.groups).toEqual([]);
    expect(p.counts).toMatchObject({ nodes: 0, groups: 0, longestChain: 0 });
  });

  it("reorders a manifest that is not in topological order", () => {
    const p = plan([
      { name: "b", in: ["x"], out: ["y"] },
      { name: "a", in: ["raw"], out: ["x"] },
    ]);
    expect(shape(p)).toEqual(["a=default:a", "b=default:b"]);
  });

  it("is deterministic", () => {
    const nodes: NodeSpec[] = [
      { name: "s1", in: ["raw1"], out: ["a"], tags: [TAG] },
      { name: "d", in: ["a"], out: ["c"] },
      { name: "s3", in: ["c"], out: ["e"], tags: [TAG] },
    ];
    expect(JSON.stringify(plan(nodes))).toBe(JSON.stringify(plan(nodes)));
  });
});
