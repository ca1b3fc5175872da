import { dataprocServerless } from "../../components/rendering/backends/dataproc-serverless";
import { batchIdStem } from "../../components/rendering/names";
import { contextFor, kwargsOf } from "./context";

const SPARK = {
  project_id: "p",
  region: "r",
  artifacts_path: "gs://bkt/a",
  cluster_name: "batch",
  cluster_config: {
    runtime_config: { container_image: "img:1", version: "2.2" },
    pyspark_batch: { python_file_uris: ["gs://bkt/mine.zip"], args: ["--mine"] },
    labels: { team: "data" },
  },
};

describe("dataproc-serverless backend", () => {
  it("creates one batch per Spark group, the run script as its main file, no cluster", () => {
    const context = contextFor("dataproc-serverless", SPARK);
    context.artifacts.pythonFiles = ["gs://bkt/a/demo.whl.zip"];
    context.artifacts.files = ["gs://bkt/a/conf.tar.gz"];
    const out = dataprocServerless.tasks(context);
    expect(out.tasks.map((t) => [t.var, t.taskId, t.operator])).toEqual([
      ["task_0", "tid_0", "DataprocCreateBatchOperator"],
      ["task_2", "tid_2", "DataprocCreateBatchOperator"],
    ]);
    const [a, c] = out.tasks.map(kwargsOf);
    expect(a).toEqual({
      project_id: "p",
      region: "r",
      // The stem (names.ts batchIdStem): a slug of the prefix and group, then a hash of the group.
      batch_id: `${batchIdStem("batch", context.groups[0]!.group.name)}-{{ kak_run_suffix(dag.dag_id, run_id, ti.try_number) }}`,
      batch: {
        runtime_config: { container_image: "img:1", version: "2.2" },
        labels: { team: "data" },
        pyspark_batch: {
          // The packaged project's files after the user's.
          python_file_uris: ["gs://bkt/mine.zip", "gs://bkt/a/demo.whl.zip"],
          file_uris: ["gs://bkt/a/conf.tar.gz"],
          args: ["--mine"],
          main_python_file_uri: "gs://bkt/a/task_0.py",
        },
      },
    });
    expect(c!["batch_id"]).not.toEqual(a!["batch_id"]);
    expect(out.edges).toEqual([]);
    expect(out.setupTeardown).toBeNull();
    expect(new Set(out.imports)).toEqual(new Set(["batch", "hashlib"]));
    expect(dataprocServerless.reservedTaskIds).toEqual([]);
  });

  it("puts the params' JSON after the user's args, which stay Jinja-safe", () => {
    const spark = {
      ...SPARK,
      cluster_config: { ...SPARK.cluster_config, pyspark_batch: { args: ["{{ x }}"] } },
    };
    const batch = kwargsOf(
      dataprocServerless.tasks(contextFor("dataproc-serverless", spark, { params: { a: 1 } }))
        .tasks[0]!,
    )["batch"];
    expect(batch).toMatchObject({
      pyspark_batch: {
        args: [
          "{{ '\\x7b\\x7b x \\x7d\\x7d' }}",
          "--params-json",
          "{{ kak_params_json(params, {}, False) }}",
        ],
      },
    });
  });

  it("requires a container image", () => {
    const spark = { ...SPARK, cluster_config: { runtime_config: { version: "2.2" } } };
    expect(() => dataprocServerless.tasks(contextFor("dataproc-serverless", spark))).toThrow(
      /^conf\.yaml: run_config\.spark\.cluster_config\.runtime_config\.container_image: is required for spark\.type dataproc-serverless/,
    );
  });
});
