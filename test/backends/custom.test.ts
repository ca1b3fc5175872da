import { spawnSync } from "node:child_process";
import { custom } from "../../components/rendering/backends/custom";
import type {
  ClusterOperatorContext,
  SparkOperatorFactory,
  SubmitOperatorContext,
} from "../../components/rendering/factory";
import { contextFor } from "./context";

/** A factory that writes every value with the context's helpers, as the docs tell. */
class Recording implements SparkOperatorFactory {
  seen: (ClusterOperatorContext | SubmitOperatorContext)[] = [];
  constructor(private readonly withCluster: boolean) {}
  createClusterOperator(c: ClusterOperatorContext): string {
    this.seen.push(c);
    return this.withCluster
      ? `MakeCluster(task_id=${c.py(c.taskId)}, config=${c.pyt(c.clusterConfig)})`
      : "";
  }
  deleteClusterOperator(c: ClusterOperatorContext): string {
    this.seen.push(c);
    return this.withCluster ? `DropCluster(task_id=${c.py(c.taskId)})` : "  ";
  }
  submitOperator(c: SubmitOperatorContext): string {
    this.seen.push(c);
    return `Submit(task_id=${c.py(c.taskId)}, nodes=${c.py(c.nodes)})`;
  }
  importsStatement(): string {
    return "from mine import MakeCluster, DropCluster, Submit";
  }
}

describe("custom backend (the seed's four factory methods, adapted)", () => {
  it("places the factory's operators, wires the cluster around the jobs and adds the sentinel", () => {
    const factory = new Recording(true);
    const out = custom.tasks(
      contextFor("custom", { cluster_config: { anything: ['a"b', "{{ x }}"] } }, { factory }),
    );
    expect(out.tasks.map((t) => [t.var, t.taskId, t.operator ?? "custom"])).toEqual([
      ["create_cluster", "create_spark_cluster", "custom"],
      ["task_0", "tid_0", "custom"],
      ["task_2", "tid_2", "custom"],
      ["delete_cluster", "delete_spark_cluster", "custom"],
      ["spark_jobs_succeeded", "spark_jobs_succeeded", "EmptyOperator"],
    ]);
    expect(out.tasks[1]!.custom).toBe('Submit(task_id="tid_0", nodes=["spark_a"])');
    expect(out.edges).toEqual([
      { from: "create_cluster", to: "task_0" },
      { from: "create_cluster", to: "task_2" },
      { from: "task_0", to: "delete_cluster" },
      { from: "task_2", to: "delete_cluster" },
      { from: "task_0", to: "spark_jobs_succeeded" },
      { from: "task_2", to: "spark_jobs_succeeded" },
    ]);
    expect(out.customImports).toBe("from mine import MakeCluster, DropCluster, Submit");
    expect(out.setupTeardown).toBeNull();
    expect(factory.seen[0]).toMatchObject({
      taskId: "create_spark_cluster",
      dagId: "demo",
      clusterConfig: { anything: ['a"b', "{{ x }}"] },
      initScriptUri: "gs://bkt/a/init.sh",
    });
  });

  it("gives the factory helpers whose text Python reads back as the value", () => {
    const factory = new Recording(true);
    const value = ['a"b\\', "{{ x }}", "é\n", 1.5, true, null, { k: "v" }];
    const out = custom.tasks(contextFor("custom", { cluster_config: { v: value } }, { factory }));
    const text = out.tasks[0]!.custom!;
    const literal = text.slice(text.indexOf("config=") + 7, -1);
    // pyt: strings Jinja would change are wrapped, so Python reads the Jinja-safe form.
    const read = spawnSync(
      "python3",
      ["-c", "import ast,json,sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))"],
      { input: factory.seen[0]!.py(value), encoding: "utf8" },
    );
    expect(read.status).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual(value);
    expect(literal).toContain("{{ '\\\\x7b\\\\x7b x \\\\x7d\\\\x7d' }}");
  });

  it("leaves out the cluster tasks a factory returns blank for", () => {
    const out = custom.tasks(contextFor("custom", {}, { factory: new Recording(false) }));
    expect(out.tasks.map((t) => t.var)).toEqual(["task_0", "task_2", "spark_jobs_succeeded"]);
    expect(out.edges.every((e) => e.to === "spark_jobs_succeeded")).toBe(true);
  });

  it("names the method when the factory throws or returns no string", () => {
    const broken = {
      ...new Recording(true),
      importsStatement: () => 3,
    } as unknown as SparkOperatorFactory;
    expect(() => custom.tasks(contextFor("custom", {}, { factory: broken }))).toThrow(
      /^conf\.yaml: run_config\.spark\.operator_factory: importsStatement\(\) returned number, expected a string of Python source$/,
    );
    expect(() => custom.tasks(contextFor("custom", {}))).toThrow(
      /^conf\.yaml: run_config\.spark\.operator_factory: is required for spark\.type custom$/,
    );
  });
});
