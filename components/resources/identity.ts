import { createHash } from "node:crypto";
import { slug } from "../rendering/names";

/**
 * What makes one deployment distinct from every other that may share its DAG bucket or its
 * Kubernetes namespace: the Pulumi stack it belongs to, and the Kedro pipeline and DAG it
 * deploys. The Pulumi resource name of the component is deliberately not part of it, so that
 * renaming the component (with `aliases`) renames no object and no Kubernetes resource.
 */
export interface DeploymentIdentity {
  /** Pulumi organization ("" when the runtime reports none). */
  organization: string;
  project: string;
  stack: string;
  /** `manifest.project.name`. */
  kedroProject: string;
  /** `manifest.pipeline`. */
  pipeline: string;
  dagId: string;
}

/** The account roles of Spark on Kubernetes: the pod running spark-submit, and the driver. */
export type SparkAccountRole = "submit" | "driver";

/** Every physical name a deployment owns, derived from its identity alone. */
export interface DeploymentNames {
  /** 10 hex digits of SHA-256 over the identity: the part that makes names unique. */
  hash: string;
  /** File name of the DAG in the DAG folder: `<dag_id>-<hash>.py`. */
  dagFile: string;
  /** Prefix of every Kubernetes name: `kedro-spark-<dag slug>-<hash>` (a DNS-1123 label). */
  kubernetesBase: string;
  /** The namespaced Role. */
  role: string;
  /** The RoleBinding of one account role (`-spark` when one account plays both). */
  binding(role: SparkAccountRole | "spark"): string;
  /** A service account the component creates because the run config names none. */
  ownedAccount(role: SparkAccountRole): string;
  /** Labels for every Kubernetes object; `kedro-airflow-k8s/deployment` is the hash. */
  labels: Record<string, string>;
}

/** Stable across runs, processes and machines: JSON of the fields in a fixed order. */
export function identityHash(id: DeploymentIdentity): string {
  const fields = [id.organization, id.project, id.stack, id.kedroProject, id.pipeline, id.dagId];
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 10);
}

export function deploymentNames(id: DeploymentIdentity): DeploymentNames {
  const hash = identityHash(id);
  // 12 ("kedro-spark-") + 40 + 1 + 10 = 63: a valid label, so names with suffixes stay valid
  // DNS-1123 subdomains (Role, RoleBinding and ServiceAccount names allow 253 characters).
  const kubernetesBase = `kedro-spark-${slug(id.dagId, 40, "dag")}-${hash}`;
  return {
    hash,
    dagFile: `${id.dagId}-${hash}.py`,
    kubernetesBase,
    role: kubernetesBase,
    binding: (role) => `${kubernetesBase}-${role}`,
    ownedAccount: (role) => `${kubernetesBase}-${role}`,
    labels: {
      "app.kubernetes.io/managed-by": "kedro-airflow-k8s",
      "app.kubernetes.io/part-of": slug(id.dagId, 63, "kedro"),
      "kedro-airflow-k8s/deployment": hash,
    },
  };
}
