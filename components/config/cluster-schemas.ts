/**
 * One JSON Schema per Spark backend for `run_config.spark.cluster_config`. The field names are
 * the messages' own: google.cloud.dataproc_v1 `ClusterConfig` (types/clusters.py) and `Batch`,
 * `PySparkBatch`, `RuntimeConfig`, `EnvironmentConfig` (types/batches.py, types/shared.py), as
 * google-cloud-dataproc 5.x defines them; Spark on Kubernetes takes the seed plugin's keys and
 * ours. Top-level fields are listed and any other key is refused; nested messages that would
 * take pages to list (gce_cluster_config, master_config, ...) stay objects whose fields
 * Dataproc checks when the operator sends them.
 */

/** A message field given as a mapping, whose own fields are not listed here. */
function message(name: string): object {
  return { description: `a mapping (the ${name} message)`, type: "object" };
}

/** A proto enum: its name (e.g. "STANDARD") or number. */
function protoEnum(name: string): object {
  return { description: `a ${name} name or number`, type: ["string", "integer"] };
}

/** A Duration or Timestamp: a mapping ({seconds: 3600}) or its JSON string ("3600s"). */
function wellKnown(name: string): object {
  return {
    description: `a ${name} mapping or string (e.g. ${name === "Duration" ? '"3600s"' : '"2030-01-01T00:00:00Z"'})`,
    type: ["object", "string"],
  };
}

const stringMap = (what: string): object => ({
  description: `a mapping of ${what} to strings`,
  type: "object",
  additionalProperties: { description: "a string", type: "string" },
});

const stringList = (what: string): object => ({
  description: `a list of ${what}`,
  type: "array",
  items: { description: "a string", type: "string" },
});

/** A field of the message that a run config must not set: `why` says who sets it. */
const refused = (field: string, why: string): object => ({
  description: `no ${field} (${why})`,
  not: {},
});

export const dataprocClusterSchema = {
  description: "a mapping of Dataproc ClusterConfig fields",
  type: "object",
  additionalProperties: false,
  properties: {
    cluster_type: protoEnum("ClusterConfig.ClusterType"),
    cluster_tier: protoEnum("ClusterConfig.ClusterTier"),
    engine: protoEnum("ClusterConfig.Engine"),
    config_bucket: { description: "a Cloud Storage bucket name", type: "string" },
    temp_bucket: { description: "a Cloud Storage bucket name", type: "string" },
    gce_cluster_config: message("GceClusterConfig"),
    master_config: message("InstanceGroupConfig"),
    worker_config: message("InstanceGroupConfig"),
    secondary_worker_config: message("InstanceGroupConfig"),
    software_config: message("SoftwareConfig"),
    initialization_actions: {
      description: "a list of NodeInitializationAction mappings (ours is appended)",
      type: "array",
      items: {
        description: "a mapping with executable_file and optionally execution_timeout",
        type: "object",
        additionalProperties: false,
        required: ["executable_file"],
        properties: {
          executable_file: { description: "a gs:// URI of the script", type: "string" },
          execution_timeout: wellKnown("Duration"),
        },
      },
    },
    encryption_config: message("EncryptionConfig"),
    autoscaling_config: message("AutoscalingConfig"),
    security_config: message("SecurityConfig"),
    lifecycle_config: {
      description: "a mapping of LifecycleConfig fields ({} for none; default idle_delete_ttl 2 h)",
      type: "object",
      additionalProperties: false,
      properties: {
        idle_delete_ttl: wellKnown("Duration"),
        auto_delete_time: wellKnown("Timestamp"),
        auto_delete_ttl: wellKnown("Duration"),
        idle_stop_ttl: wellKnown("Duration"),
        auto_stop_time: wellKnown("Timestamp"),
        auto_stop_ttl: wellKnown("Duration"),
        idle_start_time: refused("idle_start_time", "output only, Dataproc sets it"),
      },
    },
    endpoint_config: message("EndpointConfig"),
    metastore_config: message("MetastoreConfig"),
    dataproc_metric_config: message("DataprocMetricConfig"),
    auxiliary_node_groups: {
      description: "a list of AuxiliaryNodeGroup mappings",
      type: "array",
      items: message("AuxiliaryNodeGroup"),
    },
    master_flexible_config: message("FlexibleInstanceGroupConfig"),
    worker_flexible_config: message("FlexibleInstanceGroupConfig"),
    secondary_worker_flexible_config: message("FlexibleInstanceGroupConfig"),
  },
} as const;

const outputOnly = (field: string) => refused(field, "output only, Dataproc sets it");
const notPySpark = (field: string) =>
  refused(field, "each Spark group runs as a pyspark_batch of its run script");

export const serverlessBatchSchema = {
  description: "a mapping of Dataproc Batch fields",
  type: "object",
  additionalProperties: false,
  properties: {
    pyspark_batch: {
      description: "a mapping of PySparkBatch fields",
      type: "object",
      additionalProperties: false,
      properties: {
        main_python_file_uri: refused("main_python_file_uri", "it is each group's run script"),
        args: stringList("arguments (ours follow)"),
        python_file_uris: stringList("gs:// URIs of Python files"),
        jar_file_uris: stringList("gs:// URIs of jars"),
        file_uris: stringList("gs:// URIs of files"),
        archive_uris: stringList("gs:// URIs of archives"),
      },
    },
    labels: stringMap("label names"),
    runtime_config: {
      description: "a mapping of RuntimeConfig fields",
      type: "object",
      additionalProperties: false,
      properties: {
        version: { description: "a Serverless runtime version, e.g. 2.2", type: "string" },
        container_image: { description: "a container image", type: "string" },
        properties: stringMap("Spark property names"),
        repository_config: message("RepositoryConfig"),
        autotuning_config: message("AutotuningConfig"),
        cohort: { description: "a cohort name", type: "string" },
      },
    },
    environment_config: {
      description: "a mapping of EnvironmentConfig fields",
      type: "object",
      additionalProperties: false,
      properties: {
        execution_config: message("ExecutionConfig"),
        peripherals_config: message("PeripheralsConfig"),
      },
    },
    name: outputOnly("name"),
    uuid: outputOnly("uuid"),
    create_time: outputOnly("create_time"),
    runtime_info: outputOnly("runtime_info"),
    state: outputOnly("state"),
    state_message: outputOnly("state_message"),
    state_time: outputOnly("state_time"),
    creator: outputOnly("creator"),
    operation: outputOnly("operation"),
    state_history: outputOnly("state_history"),
    spark_batch: notPySpark("spark_batch"),
    spark_r_batch: notPySpark("spark_r_batch"),
    spark_sql_batch: notPySpark("spark_sql_batch"),
    pyspark_notebook_batch: notPySpark("pyspark_notebook_batch"),
  },
} as const;

const quantities = {
  description: "a mapping with cpu and/or memory",
  type: "object",
  additionalProperties: false,
  properties: {
    cpu: { description: "a CPU quantity, e.g. 2 or 500m", type: ["string", "number"] },
    memory: { description: "a Spark memory size, e.g. 4g", type: "string" },
  },
};

const text = (what: string) => ({ description: what, type: "string", minLength: 1 });

export const kubernetesSparkSchema = {
  description: "a mapping of Spark on Kubernetes settings",
  type: "object",
  additionalProperties: false,
  properties: {
    run_script: text("a non-empty URI of the runner script, e.g. local:///opt/app/runner.py"),
    image: text("a non-empty image holding Spark and the Kedro project"),
    namespace: text("a non-empty namespace of the driver and executors"),
    master: text("a non-empty Spark master URL, e.g. k8s://https://host:443"),
    spark_submit: text("a non-empty spark-submit command"),
    driver_service_account: text("a non-empty service account name"),
    submit_service_account: text("a non-empty service account name"),
    conf: {
      description: "a mapping of Spark properties to values",
      type: "object",
      additionalProperties: {
        description: "a string, number or boolean",
        type: ["string", "number", "boolean"],
      },
    },
    num_executors: {
      description: "a whole number of executors, 1 or more",
      type: "integer",
      minimum: 1,
    },
    requests: quantities,
    limits: quantities,
    jars: text("a non-empty comma-separated list of jars"),
    packages: text("a non-empty comma-separated list of Maven coordinates"),
    repositories: text("a non-empty comma-separated list of Maven repositories"),
    env_vars: stringMap("environment variable names"),
    secrets: stringMap("Kubernetes Secret names (values: mount paths)"),
    labels: stringMap("label names"),
    kubernetes_conn_id: text("a non-empty Airflow connection id"),
    gke: {
      description: "a mapping with cluster_name, and optionally location and project_id",
      type: "object",
      additionalProperties: false,
      properties: {
        project_id: text("a non-empty GCP project id"),
        location: text("a non-empty GKE location"),
        cluster_name: text("a non-empty GKE cluster name"),
      },
    },
  },
} as const;

/** `custom`: the factory's own settings, any mapping (the factory reads them). */
export const customClusterSchema = {
  description: "a mapping of the factory's settings",
  type: "object",
} as const;
