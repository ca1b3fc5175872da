import type { JsonObject } from "../config/types";
import type { PyValue } from "./literals";

/**
 * The DAG's own escaping helpers, in every context: a factory that writes values into its
 * Python source with them gets the literal that means exactly that value, whatever it holds.
 */
export interface FactoryHelpers {
  /** `value` as a Python literal (str, int/float, True/False/None, list, dict). */
  py(value: PyValue): string;
  /**
   * The same for a value in a templated field of an operator: a string that Jinja or a
   * template file extension (.sql, .json, ...) would change reaches the task unchanged.
   */
  pyt(value: PyValue): string;
}

/** What a custom factory is told about the cluster, for the create and delete operators. */
export interface ClusterOperatorContext extends FactoryHelpers {
  /** The task id the operator must use: the DAG wires its edges by it. */
  taskId: string;
  dagId: string;
  projectId: string | null;
  region: string | null;
  /** A Jinja template that renders to a cluster name unique to the DAG run. */
  clusterName: string;
  /** run_config.spark.cluster_config, as written (the factory's own settings). */
  clusterConfig: JsonObject;
  /** gs:// URI of the cluster init script, when artifacts_path is set. */
  initScriptUri: string | null;
}

/** What a custom factory is told about one Spark group, for its submit operator. */
export interface SubmitOperatorContext extends Omit<ClusterOperatorContext, "initScriptUri"> {
  group: string;
  /** Kedro node names in the group, in topological order. */
  nodes: string[];
  env: string | null;
  pipeline: string;
  /** gs:// URI of the group's run script, when artifacts_path is set. */
  runScriptUri: string | null;
  /**
   * The run's runtime params (run_config.params) as a Jinja template that renders to one JSON
   * object, for a templated field (e.g. the job's args); null when the DAG has no params.
   */
  paramsJson: string | null;
}

/**
 * A source of Airflow operators for Spark groups (the seed's `custom` type). Each method
 * returns Python source: one operator expression (for example
 * `DataprocSubmitJobOperator(task_id=${context.py(context.taskId)}, ...)`), placed verbatim,
 * indented, in the DAG; write values with the context's `py`/`pyt`.
 * Return "" from the cluster methods when the backend needs no cluster tasks.
 */
export interface SparkOperatorFactory {
  createClusterOperator(context: ClusterOperatorContext): string;
  deleteClusterOperator(context: ClusterOperatorContext): string;
  submitOperator(context: SubmitOperatorContext): string;
  /** The import statements the operators need, e.g. `from my_ops import SparkOp`. */
  importsStatement(): string;
}

/** The base class to extend, as in the seed (`SparkOperatorFactoryBase`). */
export abstract class SparkOperatorFactoryBase implements SparkOperatorFactory {
  abstract createClusterOperator(context: ClusterOperatorContext): string;
  abstract deleteClusterOperator(context: ClusterOperatorContext): string;
  abstract submitOperator(context: SubmitOperatorContext): string;
  abstract importsStatement(): string;
}
