import type { InputError } from "../../common/errors";
import type { RunConfig, SparkBackend as SparkType, SparkConfig } from "../../config/types";
import type { Manifest } from "../../manifest/types";
import type { PlanGroup } from "../../planning/plan";
import type { SparkOperatorFactory } from "../factory";
import type { Edge, ImportKey, PodView, TaskView } from "../tasks";

/** Where each Spark group's run script and the init script will be uploaded. */
export interface ArtifactUris {
  runScripts: Record<string, string>;
  initScript: string | null;
  /** Serverless, packaged project: the wheel (as a zip) for pyspark_batch.python_file_uris. */
  pythonFiles?: string[];
  /** Serverless, packaged project: the conf tarball for pyspark_batch.file_uris. */
  files?: string[];
}

/** A Spark group with the variable and task id dag.ts gave its task. */
export interface SparkGroupSlot {
  group: PlanGroup;
  var: string;
  taskId: string;
}

/** What a backend is given: plain data, and the backend-neutral helpers of dag.ts. */
export interface BackendContext<T extends SparkType> {
  spark: Extract<SparkConfig, { type: T }>;
  config: RunConfig;
  manifest: Manifest;
  dagId: string;
  /** The plan's Spark groups, in plan order. */
  groups: SparkGroupSlot[];
  artifacts: ArtifactUris;
  factory: SparkOperatorFactory | null;
  /** The run config's name in error messages. */
  configSource: string;
  /** The `--nodes` value of a group (an InputError on the manifest for a name Kedro refuses). */
  nodesArgument(group: PlanGroup): string;
  /** A pod with the run config's pod settings and the group's resources profile. */
  podView(group: PlanGroup, what: { image: string; cmds: string[]; arguments: string[] }): PodView;
  /** An InputError on the run config at `path`. */
  fail(path: string, detail: string): InputError;
}

/** What a backend adds to the DAG: its tasks, their edges, and what the file must import. */
export interface BackendTasks {
  tasks: TaskView[];
  /** Edges among the backend's own tasks (the plan's edges between groups are dag.ts's). */
  edges: Edge[];
  imports: ImportKey[];
  /** Python import statements of a custom factory, written verbatim. */
  customImports: string | null;
  /** The cluster's create and delete tasks (variables), marked as Airflow setup and teardown. */
  setupTeardown: { setup: string; teardown: string } | null;
}

/**
 * One Spark backend. Its `cluster_config` is parsed in config/ (cluster-config.ts) against its
 * own schema; here it only turns the plan's Spark groups into tasks, as pure data.
 */
export interface SparkBackendModule<T extends SparkType> {
  type: T;
  /** The artifacts compile.ts renders for it. */
  artifacts: {
    /** One Dataproc run script per Spark group (artifacts.runScripts). */
    runScripts: boolean;
    /** The cluster init script that installs the project (artifacts.initScript). */
    initScript: boolean;
    /** The runner script to bake into the Spark image (Spark on Kubernetes). */
    k8sRunner: boolean;
    /** A packaged project's wheel and conf as pyspark_batch files (artifacts.pythonFiles/files). */
    batchFiles: boolean;
  };
  /** Ids of the tasks it adds besides the groups', kept from the groups' ids. */
  reservedTaskIds: readonly string[];
  tasks(context: BackendContext<T>): BackendTasks;
}

/** Task ids of the tasks that exist besides the plan's groups. */
export const CREATE_CLUSTER = "create_spark_cluster";
export const DELETE_CLUSTER = "delete_spark_cluster";
export const SPARK_JOBS_SUCCEEDED = "spark_jobs_succeeded";

/** Variables of the cluster tasks: dag.ts orders the create task first and the delete task after the groups. */
export const CREATE_VAR = "create_cluster";
export const DELETE_VAR = "delete_cluster";

/** The run's unique name part, and a try's (a Dataproc batch id that exists is re-attached). */
export const RUN_SUFFIX = "{{ kak_run_suffix(dag.dag_id, run_id) }}";
export const TRY_SUFFIX = "{{ kak_run_suffix(dag.dag_id, run_id, ti.try_number) }}";
