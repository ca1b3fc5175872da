import fc from "fast-check";
import { parseClusterConfig } from "../../components/config/cluster-config";

/**
 * The top-level fields of dataproc_v1.ClusterConfig and of the Kubernetes settings, written out
 * here independently of the schemas (test/python/airflow/test_cluster_schemas.py holds the
 * Dataproc list to the installed google-cloud-dataproc).
 */
const CLUSTER_CONFIG = [
  "cluster_type",
  "cluster_tier",
  "engine",
  "config_bucket",
  "temp_bucket",
  "gce_cluster_config",
  "master_config",
  "worker_config",
  "secondary_worker_config",
  "software_config",
  "initialization_actions",
  "encryption_config",
  "autoscaling_config",
  "security_config",
  "lifecycle_config",
  "endpoint_config",
  "metastore_config",
  "dataproc_metric_config",
  "auxiliary_node_groups",
  "master_flexible_config",
  "worker_flexible_config",
  "secondary_worker_flexible_config",
];
const K8S = [
  "run_script",
  "image",
  "namespace",
  "master",
  "spark_submit",
  "driver_service_account",
  "submit_service_account",
  "conf",
  "num_executors",
  "requests",
  "limits",
  "jars",
  "packages",
  "repositories",
  "env_vars",
  "secrets",
  "labels",
  "kubernetes_conn_id",
  "gke",
];

const key = fc.stringMatching(/^[a-z][a-z_]{0,20}$/);

function problem(type: "dataproc" | "kubernetes", value: Record<string, unknown>): string | null {
  try {
    parseClusterConfig(type, value, "c.yaml");
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("cluster_config schemas, for any key", () => {
  it.each([
    ["dataproc", CLUSTER_CONFIG],
    ["kubernetes", K8S],
  ] as const)("%s refuses exactly the keys it does not list, naming the first", (type, known) => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.constantFrom(...known), key), { maxLength: 5 }),
        (keys) => {
          // A value of the right shape for every listed key of these two kinds.
          const value = Object.fromEntries(
            keys.map((k) => [k, known.includes(k) ? sample(type, k) : {}]),
          );
          const unknown = keys.filter((k) => !known.includes(k));
          const message = problem(type, value);
          if (unknown.length === 0) return message === null;
          return (
            message !== null &&
            unknown.some((k) =>
              message.startsWith(
                `c.yaml: run_config.spark.cluster_config.${k}: unknown key (expected one of: `,
              ),
            )
          );
        },
      ),
    );
  });
});

/** A valid value of a listed key. */
function sample(type: "dataproc" | "kubernetes", k: string): unknown {
  if (type === "dataproc") {
    if (["cluster_type", "cluster_tier", "engine"].includes(k)) return "STANDARD";
    if (["config_bucket", "temp_bucket"].includes(k)) return "bucket";
    if (["initialization_actions", "auxiliary_node_groups"].includes(k)) return [];
    return {};
  }
  if (k === "num_executors") return 2;
  if (["conf", "requests", "limits", "env_vars", "secrets", "labels", "gke"].includes(k)) return {};
  return "x";
}
