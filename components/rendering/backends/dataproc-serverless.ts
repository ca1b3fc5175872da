import { jinjaSafe, type PyValue } from "../literals";
import { batchIdStem } from "../names";
import { paramsJsonArguments } from "../params";
import { groupDoc, operatorTask, type TaskView } from "../tasks";
import { jinjaSafeMap, present, required } from "./common";
import { TRY_SUFFIX, type SparkBackendModule } from "./types";

/**
 * Dataproc Serverless: one DataprocCreateBatchOperator per Spark group, the batch being
 * `cluster_config` with the group's run script as pyspark_batch.main_python_file_uri. No
 * cluster, so no setup or teardown; the image must hold the project (no init script runs).
 */
export const dataprocServerless: SparkBackendModule<"dataproc-serverless"> = {
  type: "dataproc-serverless",
  artifacts: { runScripts: true, initScript: false, k8sRunner: false, batchFiles: true },
  reservedTaskIds: [],
  tasks(context) {
    const { spark, artifacts } = context;
    const pid = required(context, spark.projectId, "project_id", "the GCP project of the batches");
    const reg = required(context, spark.region, "region", "the region of the batches");
    required(context, spark.artifactsPath, "artifacts_path", "where the run scripts are uploaded");
    const batch = spark.clusterConfig;
    if ((batch.runtime_config?.container_image ?? "") === "") {
      throw context.fail(
        "run_config.spark.cluster_config.runtime_config.container_image",
        "is required for spark.type dataproc-serverless (an image holding the Kedro project and its requirements; serverless batches run no init script)",
      );
    }
    const given = batch.pyspark_batch ?? {};
    // A packaged project's wheel and conf, after the files the user lists.
    const added: Record<string, PyValue> = {};
    for (const [key, extra] of [
      ["python_file_uris", artifacts.pythonFiles],
      ["file_uris", artifacts.files],
    ] as const) {
      if (extra !== undefined && extra.length > 0) added[key] = [...(given[key] ?? []), ...extra];
    }
    const args = paramsJsonArguments(context.config.params, false);
    const rest = jinjaSafeMap(present(batch));
    const tasks: TaskView[] = context.groups.map(({ group, var: v, taskId }) => {
      // Jinja-safe here, so that the params' template args (ours, after the user's) stay live.
      const pyspark = jinjaSafeMap({
        ...present(given),
        ...added,
        main_python_file_uri: artifacts.runScripts[group.name]!,
      });
      if (args.length > 0) pyspark["args"] = [...(given.args ?? []).map(jinjaSafe), ...args];
      const body = { ...rest, pyspark_batch: pyspark };
      // 4-63 characters of [a-z0-9-]: 10 for the run suffix, 1 for the dash.
      const batchId = `${batchIdStem(spark.clusterName ?? context.dagId, group.name)}-${TRY_SUFFIX}`;
      return operatorTask(v, taskId, groupDoc(group), "DataprocCreateBatchOperator", {
        project_id: jinjaSafe(pid),
        region: jinjaSafe(reg),
        batch_id: batchId,
        batch: body,
      });
    });
    return {
      tasks,
      edges: [],
      imports: ["batch", "hashlib"],
      customImports: null,
      setupTeardown: null,
    };
  },
};
