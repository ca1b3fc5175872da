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

export interface SparkConfig {
  /** null when the config names no backend: planning works, rendering Spark groups does not. */
  type: SparkBackend | null;
  projectId: string | null;
  region: string | null;
  clusterName: string | null;
  clusterConfig: Record<string, unknown>;
  operatorFactory: string | null;
  artifactsPath: string | null;
  userInitPath: string | null;
  userPostInitPath: string | null;
  /** Extra Spark dataset classes, qualified or bare class names. */
  datasetTypes: string[];
}

/** The start date used when the config gives none: fixed, so the DAG text never changes by itself. */
export const DEFAULT_START_DATE = "20250101";
