import { InputError } from "../common/errors";

/**
 * Cloud Composer 3 runs every KubernetesPodOperator pod in this namespace of the environment's
 * cluster, whatever namespace the operator names, and lets no one create namespaces, service
 * accounts or RBAC there (cloud.google.com/composer/docs/composer-3/use-kubernetes-pod-operator,
 * "differences between KubernetesPodOperator in Cloud Composer 3 and Cloud Composer 2").
 */
export const COMPOSER3_NAMESPACE = "composer-user-workloads";

export type ComposerVersion = 2 | 3;

/** The parts of the raw run config that Composer 3 constrains. */
export interface ComposerInputs {
  composer_version?: ComposerVersion;
  namespace?: string;
  spark?: { type?: string; cluster_config?: Record<string, unknown> };
}

/**
 * Refuses what Composer 3 would silently change or refuse later: a pod namespace other than
 * its own (the pods would run elsewhere than the config says), and Spark on Kubernetes in the
 * environment's own cluster (spark-submit needs a namespace, service accounts and a Role,
 * none of which Composer 3 lets a user create there).
 */
export function checkComposer(raw: ComposerInputs, source: string): void {
  if (raw.composer_version !== 3) return;
  if (raw.namespace !== undefined && raw.namespace !== COMPOSER3_NAMESPACE) {
    throw new InputError(
      source,
      "run_config.namespace",
      `is ${JSON.stringify(raw.namespace)}, but Composer 3 (composer_version: 3) runs every pod of its cluster in ${COMPOSER3_NAMESPACE} whatever is set; remove the key or set ${COMPOSER3_NAMESPACE}`,
    );
  }
  const spark = raw.spark ?? {};
  if (spark.type !== "k8s" && spark.type !== "kubernetes") return;
  const cc = spark.cluster_config ?? {};
  if (cc["gke"] === undefined && cc["kubernetes_conn_id"] === undefined) {
    throw new InputError(
      source,
      "run_config.spark.cluster_config.gke",
      "is required for spark.type k8s on Composer 3 (composer_version: 3), or kubernetes_conn_id: Spark on Kubernetes needs a namespace, service accounts and RBAC, which Composer 3 does not allow in the environment's own cluster; name the GKE cluster that runs Spark",
    );
  }
}

/**
 * The Composer major version of an environment's `softwareConfig.imageVersion`
 * (`composer-3-airflow-2.10.5-build.6`, `composer-2.9.7-airflow-2.9.3`), or null when the
 * string has another shape.
 */
export function composerVersionOf(imageVersion: string): number | null {
  const match = /^composer-(\d+)(?:[.-]|$)/.exec(imageVersion);
  return match === null ? null : Number(match[1]);
}

/**
 * The environment the DAG goes to and the run config must agree on the Composer version:
 * Composer 3 moves every pod to its namespace, so a config written for Composer 2 would
 * deploy pods (and RBAC) that do not run as it says. A one-line reason, or null when they agree
 * or the environment's version is not known.
 */
export function composerMismatch(
  imageVersion: string | undefined,
  configured: ComposerVersion | null,
): string | null {
  if (imageVersion === undefined || imageVersion === "") return null;
  const actual = composerVersionOf(imageVersion);
  if (actual === null) return null;
  const said = configured ?? 2;
  if (actual === said || (actual < 3 && said === 2)) return null;
  return actual >= 3
    ? `runs Composer ${actual} (imageVersion ${imageVersion}), but run_config.composer_version is ${configured ?? "not set (Composer 2)"}: set composer_version: 3, so that pods default to ${COMPOSER3_NAMESPACE} and nothing is asked of the environment's cluster that Composer 3 refuses`
    : `runs Composer ${actual} (imageVersion ${imageVersion}), but run_config.composer_version is 3: remove it or deploy to a Composer 3 environment`;
}
