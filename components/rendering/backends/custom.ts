import { InputError } from "../../common/errors";
import type { SparkOperatorFactory } from "../factory";
import { jinjaSafeDeep, pyLiteral, type PyValue } from "../literals";
import { paramsJsonTemplate } from "../params";
import type { Edge, TaskView } from "../tasks";
import { clusterNameTemplate } from "./common";
import {
  CREATE_CLUSTER,
  CREATE_VAR,
  DELETE_CLUSTER,
  DELETE_VAR,
  SPARK_JOBS_SUCCEEDED,
  type SparkBackendModule,
} from "./types";

/** The escaping helpers a factory is given: the ones the DAG template writes values with. */
export const FACTORY_HELPERS = {
  py: (value: PyValue): string => pyLiteral(value),
  pyt: (value: PyValue): string => pyLiteral(jinjaSafeDeep(value)),
} as const;

/**
 * `custom`: the seed's operator factory, adapted to the backend interface. Its four methods
 * return Python source (one operator expression each) that is placed verbatim; the factory
 * gets the escaping helpers in every context (`py`, `pyt`) to write values safely.
 */
export const custom: SparkBackendModule<"custom"> = {
  type: "custom",
  artifacts: { runScripts: true, initScript: true, k8sRunner: false, batchFiles: false },
  reservedTaskIds: [CREATE_CLUSTER, DELETE_CLUSTER, SPARK_JOBS_SUCCEEDED],
  tasks(context) {
    const { spark, config, manifest } = context;
    const factory: SparkOperatorFactory =
      context.factory ??
      (() => {
        throw context.fail(
          "run_config.spark.operator_factory",
          "is required for spark.type custom",
        );
      })();
    const source = context.configSource;
    const customImports = callFactory(() => factory.importsStatement(), "importsStatement", source);
    const cluster = {
      dagId: context.dagId,
      projectId: spark.projectId,
      region: spark.region,
      clusterName: clusterNameTemplate(context),
      clusterConfig: spark.clusterConfig,
      ...FACTORY_HELPERS,
    };
    const clusterContext = { ...cluster, initScriptUri: context.artifacts.initScript };
    const create = callFactory(
      () => factory.createClusterOperator({ ...clusterContext, taskId: CREATE_CLUSTER }),
      "createClusterOperator",
      source,
    );
    const del = callFactory(
      () => factory.deleteClusterOperator({ ...clusterContext, taskId: DELETE_CLUSTER }),
      "deleteClusterOperator",
      source,
    );
    const hasCreate = create.trim() !== "";
    const hasDelete = del.trim() !== "";
    const tasks: TaskView[] = [];
    const edges: Edge[] = [];
    if (hasCreate) {
      tasks.push({
        var: CREATE_VAR,
        taskId: CREATE_CLUSTER,
        docMd: null,
        custom: create,
        kwargs: [],
      });
    }
    for (const { group, var: v, taskId } of context.groups) {
      const text = callFactory(
        () =>
          factory.submitOperator({
            ...cluster,
            taskId,
            group: group.name,
            nodes: [...group.nodes],
            env: config.env,
            pipeline: manifest.pipeline,
            runScriptUri: context.artifacts.runScripts[group.name] ?? null,
            paramsJson: paramsJsonTemplate(config.params, false),
          }),
        "submitOperator",
        source,
      );
      tasks.push({ var: v, taskId, docMd: null, custom: text, kwargs: [] });
      if (hasCreate) edges.push({ from: CREATE_VAR, to: v });
    }
    if (hasDelete) {
      tasks.push({ var: DELETE_VAR, taskId: DELETE_CLUSTER, docMd: null, custom: del, kwargs: [] });
      for (const { var: v } of context.groups) edges.push({ from: v, to: DELETE_VAR });
    }
    // A factory's delete task usually runs on trigger_rule all_done, which would leave the
    // run green when a Spark job failed; this task fails (upstream_failed) when any does.
    tasks.push({
      var: "spark_jobs_succeeded",
      taskId: SPARK_JOBS_SUCCEEDED,
      docMd: "Fails the DAG run when any Spark job failed (the cluster is deleted either way).",
      operator: "EmptyOperator",
      kwargs: [],
    });
    for (const { var: v } of context.groups) edges.push({ from: v, to: "spark_jobs_succeeded" });
    return { tasks, edges, imports: ["hashlib", "empty"], customImports, setupTeardown: null };
  },
};

/** Calls one factory method: a throw or a non-string is the run config's one-line error. */
function callFactory(call: () => unknown, method: string, source: string): string {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    throw new InputError(
      source,
      "run_config.spark.operator_factory",
      `${method}() threw ${(err as Error)?.name ?? "an error"}: ${String((err as Error)?.message ?? err).split("\n")[0]}`,
    );
  }
  if (typeof result !== "string") {
    throw new InputError(
      source,
      "run_config.spark.operator_factory",
      `${method}() returned ${result === null ? "null" : typeof result}, expected a string of Python source`,
    );
  }
  return result;
}
