/**
 * The Pulumi program: deploys the bundled example (or any Kedro project named in the stack
 * config) with KedroAirflowDeployment. Stack config keys (all under `kedro-airflow-k8s:`):
 *   manifest       path of the exported manifest       (default: the example's)
 *   runConfig      path of the run config YAML          (default: the manifest's runConfig)
 *   projectDir     the Kedro project folder              (default: the example)
 *   dagBucket      bucket of the Airflow DAG folder      (required)
 *   dagPrefix      DAG folder inside it                  (default: dags/)
 *   artifactsPath  gs://bucket/prefix overriding run_config.spark.artifacts_path
 *   env            the Kedro env of every task, overriding run_config.env (one stack per env)
 *   kubeconfig     (secret) kubeconfig of the cluster running Spark, for spark.type k8s
 */
import * as pulumi from "@pulumi/pulumi";
import { KedroAirflowDeployment } from "./components";

const config = new pulumi.Config("kedro-airflow-k8s");
const example = "examples/spaceflights_spark";
const kubeconfig = config.getSecret("kubeconfig");
const artifactsPath = config.get("artifactsPath");
const dagPrefix = config.get("dagPrefix");
const env = config.get("env");
const runConfig = config.get("runConfig");

const deployment = new KedroAirflowDeployment("kedro", {
  manifest: config.get("manifest") ?? `${example}/manifest.json`,
  // Unset: the run config the manifest carries (exported through the project's config loader).
  ...(runConfig !== undefined ? { runConfig } : {}),
  projectDir: config.get("projectDir") ?? example,
  dagBucket: config.require("dagBucket"),
  ...(dagPrefix !== undefined ? { dagPrefix } : {}),
  ...(artifactsPath !== undefined ? { artifactsPath } : {}),
  ...(env !== undefined ? { env } : {}),
  // The Spark RBAC goes to this cluster only; the ambient kubeconfig is never used.
  ...(kubeconfig !== undefined ? { kubernetes: { kubeconfig } } : {}),
});

export const dagId = deployment.dagId;
export const dagObjectName = deployment.dagObjectName;
export const artifactUris = deployment.artifactUris;
export const sparkJobCount = deployment.sparkJobCount;
export const groups = deployment.groups;
export const dagText = deployment.dagText;
