import { paramsJsonArguments } from "../params";
import { jinjaSafe, jinjaSafeDeep, type PyValue } from "../literals";
import { groupDoc, operatorTask, type Edge, type TaskView } from "../tasks";
import { clusterNameTemplate, present, required } from "./common";
import {
  CREATE_CLUSTER,
  CREATE_VAR,
  DELETE_CLUSTER,
  DELETE_VAR,
  type BackendContext,
  type SparkBackendModule,
} from "./types";

/**
 * The default `lifecycle_config.idle_delete_ttl` of a per-run Dataproc cluster: longer than
 * any gap between two Spark jobs of a run should be (the pods between them), short enough that
 * a forgotten cluster stops billing within hours. Dataproc allows 10 minutes to 14 days.
 */
export const DATAPROC_IDLE_TTL_S = 7200;

/**
 * Dataproc: one cluster per run (DataprocCreateClusterOperator), one DataprocSubmitJobOperator
 * per Spark group running its run script, and the cluster's deletion; the create and delete
 * tasks are Airflow setup and teardown (2.7+), so the cluster is deleted whatever the jobs did,
 * the run's state comes from the jobs alone, and clearing a job re-creates its cluster.
 */
export const dataproc: SparkBackendModule<"dataproc"> = {
  type: "dataproc",
  artifacts: { runScripts: true, initScript: true, k8sRunner: false, batchFiles: false },
  reservedTaskIds: [CREATE_CLUSTER, DELETE_CLUSTER],
  tasks(context) {
    const pid = required(
      context,
      context.spark.projectId,
      "project_id",
      "the GCP project of the cluster",
    );
    const reg = required(context, context.spark.region, "region", "the region of the cluster");
    required(
      context,
      context.spark.artifactsPath,
      "artifacts_path",
      "where the init and run scripts are uploaded",
    );
    const clusterName = clusterNameTemplate(context);
    // project_id and region are templated fields: what the user wrote must reach Dataproc as is.
    const where = { project_id: jinjaSafe(pid), region: jinjaSafe(reg) };
    const tasks: TaskView[] = [
      operatorTask(CREATE_VAR, CREATE_CLUSTER, null, "DataprocCreateClusterOperator", {
        ...where,
        cluster_name: clusterName,
        cluster_config: jinjaSafeDeep(clusterConfigOf(context)),
      }),
    ];
    const edges: Edge[] = [];
    const args = paramsJsonArguments(context.config.params, false);
    for (const { group, var: v, taskId } of context.groups) {
      const pysparkJob: Record<string, PyValue> = {
        main_python_file_uri: jinjaSafe(context.artifacts.runScripts[group.name]!),
        ...(args.length > 0 ? { args } : {}),
      };
      tasks.push(
        operatorTask(v, taskId, groupDoc(group), "DataprocSubmitJobOperator", {
          ...where,
          // `job` is templated as a whole: the cluster name is our Jinja, the rest Jinja-safe.
          job: { placement: { cluster_name: clusterName }, pyspark_job: pysparkJob },
        }),
      );
      edges.push({ from: CREATE_VAR, to: v });
    }
    tasks.push(
      operatorTask(DELETE_VAR, DELETE_CLUSTER, null, "DataprocDeleteClusterOperator", {
        ...where,
        cluster_name: clusterName,
      }),
    );
    for (const { var: v } of context.groups) edges.push({ from: v, to: DELETE_VAR });
    return {
      tasks,
      edges,
      imports: ["dataproc", "hashlib"],
      customImports: null,
      setupTeardown: { setup: CREATE_VAR, teardown: DELETE_VAR },
    };
  },
};

/** The user's ClusterConfig, with our init script after theirs and a lifecycle safety net. */
export function clusterConfigOf(context: BackendContext<"dataproc">): Record<string, PyValue> {
  const given = context.spark.clusterConfig;
  return {
    ...present(given),
    initialization_actions: [
      ...(given.initialization_actions ?? []),
      { executable_file: context.artifacts.initScript! },
    ],
    // A safety net for when the teardown never runs (a worker lost, the DAG removed): Dataproc
    // deletes a cluster idle that long. A lifecycle_config of the user's, even `{}`, wins.
    lifecycle_config: given.lifecycle_config ?? {
      idle_delete_ttl: { seconds: DATAPROC_IDLE_TTL_S },
    },
  };
}
