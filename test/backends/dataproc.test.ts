import { dataproc, DATAPROC_IDLE_TTL_S } from "../../components/rendering/backends/dataproc";
import { jinjaSafe } from "../../components/rendering/literals";
import { contextFor, kwargsOf } from "./context";

const SPARK = { project_id: "p{1}", region: "europe-west1", artifacts_path: "gs://bkt/a" };

describe("dataproc backend", () => {
  it("creates one cluster, one job per Spark group, and deletes the cluster after all", () => {
    const out = dataproc.tasks(
      contextFor("dataproc", {
        ...SPARK,
        cluster_name: "Big Cluster",
        cluster_config: {
          master_config: { machine_type_uri: "n2-standard-4" },
          initialization_actions: [{ executable_file: "gs://b/mine.sh" }],
        },
      }),
    );
    expect(out.tasks.map((t) => [t.var, t.taskId, t.operator])).toEqual([
      ["create_cluster", "create_spark_cluster", "DataprocCreateClusterOperator"],
      ["task_0", "tid_0", "DataprocSubmitJobOperator"],
      ["task_2", "tid_2", "DataprocSubmitJobOperator"],
      ["delete_cluster", "delete_spark_cluster", "DataprocDeleteClusterOperator"],
    ]);
    const [create, jobA, , del] = out.tasks.map(kwargsOf);
    const name = "big-cluster-{{ kak_run_suffix(dag.dag_id, run_id) }}";
    expect(create).toEqual({
      // Templated fields: the user's text is made Jinja-safe, the cluster name is our Jinja.
      project_id: jinjaSafe("p{1}"),
      region: "europe-west1",
      cluster_name: name,
      cluster_config: {
        master_config: { machine_type_uri: "n2-standard-4" },
        // A .sh string would be read as a template file by Airflow: Jinja-safe, so it is not.
        initialization_actions: [
          { executable_file: jinjaSafe("gs://b/mine.sh") },
          { executable_file: jinjaSafe("gs://bkt/a/init.sh") },
        ],
        lifecycle_config: { idle_delete_ttl: { seconds: DATAPROC_IDLE_TTL_S } },
      },
    });
    expect(jobA).toEqual({
      project_id: jinjaSafe("p{1}"),
      region: "europe-west1",
      job: {
        placement: { cluster_name: name },
        pyspark_job: { main_python_file_uri: "gs://bkt/a/task_0.py" },
      },
    });
    expect(del).toEqual({
      project_id: jinjaSafe("p{1}"),
      region: "europe-west1",
      cluster_name: name,
    });
    expect(out.edges).toEqual([
      { from: "create_cluster", to: "task_0" },
      { from: "create_cluster", to: "task_2" },
      { from: "task_0", to: "delete_cluster" },
      { from: "task_2", to: "delete_cluster" },
    ]);
    expect(out.setupTeardown).toEqual({ setup: "create_cluster", teardown: "delete_cluster" });
    expect(new Set(out.imports)).toEqual(new Set(["dataproc", "hashlib"]));
    expect(dataproc.reservedTaskIds).toEqual(["create_spark_cluster", "delete_spark_cluster"]);
  });

  it("keeps the user's lifecycle_config, even an empty one", () => {
    const configOf = (lifecycle: object) =>
      kwargsOf(
        dataproc.tasks(
          contextFor("dataproc", { ...SPARK, cluster_config: { lifecycle_config: lifecycle } }),
        ).tasks[0]!,
      )["cluster_config"];
    expect(configOf({})).toMatchObject({ lifecycle_config: {} });
    expect(configOf({ idle_delete_ttl: "600s" })).toMatchObject({
      lifecycle_config: { idle_delete_ttl: "600s" },
    });
  });

  it("passes the runtime params' JSON to each job as args", () => {
    const job = kwargsOf(
      dataproc.tasks(contextFor("dataproc", SPARK, { params: { a: 1 } })).tasks[1]!,
    )["job"];
    expect(job).toMatchObject({
      pyspark_job: { args: ["--params-json", "{{ kak_params_json(params, {}, False) }}"] },
    });
  });

  it.each([
    ["project_id", { region: "r", artifacts_path: "gs://bkt/a" }],
    ["region", { project_id: "p", artifacts_path: "gs://bkt/a" }],
    ["artifacts_path", { project_id: "p", region: "r" }],
  ])("requires %s", (key, spark) => {
    expect(() => dataproc.tasks(contextFor("dataproc", spark))).toThrow(
      new RegExp(
        `^conf\\.yaml: run_config\\.spark\\.${key}: is required for spark\\.type dataproc \\(`,
      ),
    );
  });
});
