/**
 * The run config: where and how the pipeline runs. Users write it as YAML in the seed
 * plugin's layout (`run_config:` with snake_case keys, see docs/run-config.schema.json);
 * `loadRunConfig*` turn it into this normalised, camelCase shape with every default filled.
 */

import type { ComposerVersion } from "./composer";
import type { RuntimeParam } from "./params";
import type { TaskPolicy } from "./policies";
export type Packaging = "archive" | "kedro-package";

export type SparkBackend = "dataproc" | "dataproc-serverless" | "kubernetes" | "custom";

export interface RunConfig {
  /** Image of the pods that run default groups. Required to render pods, not to plan. */
  image: string | null;
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  /** Pods' namespace; `composer-user-workloads` by default on Composer 3, else null (`default`). */
  namespace: string | null;
  /** `composer_version`; null when the config does not say (treated as Composer 2). */
  composerVersion: ComposerVersion | null;
  experimentName: string | null;
  /** The DAG id; defaults to experiment_name, then to the project name. */
  runName: string | null;
  /** Cron expression or preset; null means no schedule. Default `@daily`, as in the seed. */
  cronExpression: string | null;
  /**
   * Upstream Assets that trigger the DAG (`run_config.schedule`), instead of the cron
   * expression (then null); null for a time or no schedule.
   */
  schedule: AssetSchedule | null;
  /** Tasks get their outputs as Asset outlets and other DAGs' outputs as inlets (default true). */
  assets: boolean;
  /** YYYYMMDD; a fixed default so that DAGs never depend on "now". */
  startDate: string;
  description: string | null;
  serviceAccountName: string | null;
  imagePullSecrets: string[];
  envVars: Record<string, string>;
  /** Runtime params (DAG params, Kedro runtime params), sorted by name. */
  params: RuntimeParam[];
  secrets: SecretRef[];
  resources: Record<string, ResourceProfile>;
  /** Task policy profiles by name (`__default__`: the DAG's defaults), picked by node tags. */
  policies: Record<string, TaskPolicy>;
  /** The DAG's dagrun_timeout in seconds; null for none. */
  dagrunTimeout: number | null;
  /** The Kedro env the tasks run in; null passes no `--env`, so Kedro's default applies. */
  env: string | null;
  /** Path prefixes mounted at the same place in every task: local data there may cross tasks. */
  sharedFilesystems: string[];
  /**
   * How the project reaches Dataproc clusters and Serverless batches: `archive` (the project
   * folder, archived here) or `kedro-package` (the wheel and conf tarball of `kedro package`).
   */
  packaging: Packaging;
  /** Spark nodes joined by a Spark dataset share a Spark job (default true). */
  groupSparkNodes: boolean;
  /** Kedro namespaces become nested Airflow TaskGroups (default true). */
  taskGroups: boolean;
  spark: SparkConfig;
  /** Seed plugin keys that were accepted but have no effect here. */
  ignoredKeys: string[];
}

/** Data-aware scheduling: a run when all (or any) of these Asset URIs were updated. */
export interface AssetSchedule {
  uris: string[];
  when: "all" | "any";
}

export interface SecretRef {
  deployType: "env" | "volume";
  deployTarget: string | null;
  secret: string;
  key: string | null;
}

export interface ResourceProfile {
  requests: Quantities;
  limits: Quantities;
  nodeSelectors: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  tolerations: Toleration[];
}

export interface Quantities {
  cpu: string | null;
  memory: string | null;
}

export interface Toleration {
  key: string | null;
  operator: "Equal" | "Exists" | null;
  value: string | null;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" | null;
  tolerationSeconds: number | null;
}

/** A JSON value (what YAML and the schemas let through); assignable to rendering's PyValue. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** `cluster_config` of `dataproc`: a Dataproc ClusterConfig (cluster-schemas.ts lists its fields). */
export type DataprocClusterConfig = {
  readonly [field: string]: JsonValue | undefined;
  readonly initialization_actions?: readonly JsonObject[];
  readonly lifecycle_config?: JsonObject;
};

/** `cluster_config` of `dataproc-serverless`: the Batch, less the parts each group sets. */
export type ServerlessBatchConfig = {
  readonly pyspark_batch?: {
    readonly args?: readonly string[];
    readonly python_file_uris?: readonly string[];
    readonly jar_file_uris?: readonly string[];
    readonly file_uris?: readonly string[];
    readonly archive_uris?: readonly string[];
  };
  readonly labels?: Readonly<Record<string, string>>;
  readonly runtime_config?: {
    readonly version?: string;
    readonly container_image?: string;
    readonly properties?: Readonly<Record<string, string>>;
    readonly repository_config?: JsonObject;
    readonly autotuning_config?: JsonObject;
    readonly cohort?: string;
  };
  readonly environment_config?: {
    readonly execution_config?: JsonObject;
    readonly peripherals_config?: JsonObject;
  };
};

/** `cluster_config` of `k8s` / `kubernetes`: the seed plugin's keys, and ours. */
export type KubernetesSparkConfig = {
  readonly run_script?: string;
  readonly image?: string;
  readonly namespace?: string;
  readonly master?: string;
  readonly spark_submit?: string;
  readonly driver_service_account?: string;
  readonly submit_service_account?: string;
  readonly conf?: Readonly<Record<string, string | number | boolean>>;
  readonly num_executors?: number;
  readonly requests?: { readonly cpu?: string | number; readonly memory?: string };
  readonly limits?: { readonly cpu?: string | number; readonly memory?: string };
  readonly jars?: string;
  readonly packages?: string;
  readonly repositories?: string;
  readonly env_vars?: Readonly<Record<string, string>>;
  /** Kubernetes Secret name -> mount path in the driver and executors (the seed's key). */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly kubernetes_conn_id?: string;
  readonly gke?: {
    readonly project_id?: string;
    readonly location?: string;
    readonly cluster_name?: string;
  };
};

interface SparkCommon {
  projectId: string | null;
  region: string | null;
  clusterName: string | null;
  operatorFactory: string | null;
  artifactsPath: string | null;
  userInitPath: string | null;
  userPostInitPath: string | null;
  /** Extra Spark dataset classes, qualified or bare class names. */
  datasetTypes: string[];
}

/**
 * The Spark settings, by backend: `clusterConfig` is parsed against the backend's own schema
 * (config/cluster-config.ts), so code that knows the type knows the shape, with no casts.
 * `type` null: the config names no backend (planning works, rendering Spark groups does not).
 */
export type SparkConfig = SparkCommon & SparkChoice;

export type SparkChoice =
  | { type: "dataproc"; clusterConfig: DataprocClusterConfig }
  | { type: "dataproc-serverless"; clusterConfig: ServerlessBatchConfig }
  | { type: "kubernetes"; clusterConfig: KubernetesSparkConfig }
  | { type: "custom"; clusterConfig: JsonObject }
  | { type: null; clusterConfig: JsonObject };

/** The start date used when the config gives none: fixed, so the DAG text never changes by itself. */
export const DEFAULT_START_DATE = "20250101";
