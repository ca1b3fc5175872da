import type { RunConfig } from "../../config/types";
import type { PlanGroup } from "../../planning/plan";
import type { PyValue } from "../literals";
import { slug } from "../names";
import { paramsJsonArguments } from "../params";
import { groupDoc, nonEmptyList, type PodView, type TaskView } from "../tasks";
import type { BackendContext, SparkBackendModule } from "./types";

/** Env vars of the spark-submit pod that the kubelet fills from the pod's own status. */
export const POD_IP_VAR = "KAK_POD_IP";
export const POD_NAME_VAR = "KAK_POD_NAME";

/** The Spark master inside a Kubernetes cluster, as spark-submit wants it. */
export const IN_CLUSTER_MASTER = "k8s://https://kubernetes.default.svc:443";

/**
 * Spark on Kubernetes: one pod per Spark group, in the Spark + Kedro image, running
 * spark-submit in client mode (KubernetesPodOperator, or GKEStartPodOperator for
 * `cluster_config.gke`). No cluster tasks: the driver is the pod.
 */
export const kubernetes: SparkBackendModule<"kubernetes"> = {
  type: "kubernetes",
  artifacts: { runScripts: false, initScript: false, k8sRunner: true, batchFiles: false },
  reservedTaskIds: [],
  tasks(context) {
    const tasks: TaskView[] = [];
    let onGke = false;
    let inCluster = false;
    for (const { group, var: v, taskId } of context.groups) {
      const pod = sparkSubmitPod(context, group);
      onGke ||= pod.gke !== null;
      inCluster ||= pod.gke === null;
      tasks.push({ var: v, taskId, docMd: groupDoc(group), pod, kwargs: [] });
    }
    return {
      tasks,
      edges: [],
      imports: [...(inCluster ? (["pod"] as const) : []), ...(onGke ? (["gke"] as const) : [])],
      customImports: null,
      setupTeardown: null,
    };
  },
};

/**
 * Where Spark on Kubernetes runs and under which service accounts: the pod that calls
 * spark-submit (it creates the driver pod) and the driver (it creates executor pods). The DAG
 * and the component's RBAC both read them from here, so they always agree.
 */
export function sparkOnK8sAccounts(config: RunConfig): {
  namespace: string;
  submit: string;
  driver: string;
} {
  const k = config.spark.type === "kubernetes" ? config.spark.clusterConfig : {};
  return {
    // On Composer 3 the pods' namespace is Composer's own; Spark runs in another cluster.
    namespace: k.namespace ?? (config.composerVersion === 3 ? null : config.namespace) ?? "default",
    submit: k.submit_service_account ?? config.serviceAccountName ?? "kedro-spark-submit",
    driver: k.driver_service_account ?? config.serviceAccountName ?? "kedro-spark-driver",
  };
}

/**
 * A pod in the user's Spark + Kedro image that runs `spark-submit --deploy-mode client` with
 * the runner script and the seed's contract `run --env E --node a,b --runner=ThreadRunner`.
 */
function sparkSubmitPod(context: BackendContext<"kubernetes">, group: PlanGroup): PodView {
  const { config, manifest } = context;
  const k = context.spark.clusterConfig;
  const image = k.image ?? config.image;
  if (!image) {
    throw context.fail(
      "run_config.spark.cluster_config.image",
      "is required for spark.type k8s (or set run_config.image): the image holding Spark and the Kedro project",
    );
  }
  // In client mode the driver runs in the submitting pod, under its service account.
  const { namespace, submit: submitAccount } = sparkOnK8sAccounts(config);
  // Client mode: the driver runs in this pod, so spark-submit's exit code is the Kedro run's.
  // In cluster mode spark-submit exits 0 when the driver fails (SPARK-26365; apache/spark
  // #40118 was never merged), which would turn a failed job green. Executors reach the driver
  // at the pod's IP, and take the pod as their owner so they go when it goes. The kubelet
  // expands $(VAR) in container arguments from the container's env (downward API below).
  const conf: [string, PyValue][] = [
    ["spark.kubernetes.container.image", image],
    ["spark.kubernetes.namespace", namespace],
    ["spark.kubernetes.container.image.pullPolicy", config.imagePullPolicy],
    ["spark.executor.instances", k.num_executors ?? 1],
    ["spark.driver.host", `$(${POD_IP_VAR})`],
    ["spark.driver.bindAddress", "0.0.0.0"],
    ["spark.kubernetes.driver.pod.name", `$(${POD_NAME_VAR})`],
  ];
  if (config.imagePullSecrets.length > 0) {
    conf.push(["spark.kubernetes.container.image.pullSecrets", config.imagePullSecrets.join(",")]);
  }
  for (const [side, q] of [
    ["request", k.requests],
    ["limit", k.limits],
  ] as const) {
    if (q?.cpu !== undefined) {
      conf.push([`spark.kubernetes.driver.${side}.cores`, String(q.cpu)]);
      conf.push([`spark.kubernetes.executor.${side}.cores`, String(q.cpu)]);
    }
  }
  if (k.limits?.memory !== undefined) {
    conf.push(["spark.driver.memory", k.limits.memory], ["spark.executor.memory", k.limits.memory]);
  }
  // The driver is this pod: its env and secrets go on the pod, the executors' through conf.
  for (const [name, value] of Object.entries(k.env_vars ?? {})) {
    conf.push([`spark.executorEnv.${name}`, value]);
  }
  for (const [name, mountPath] of Object.entries(k.secrets ?? {})) {
    conf.push([`spark.kubernetes.executor.secrets.${name}`, mountPath]);
  }
  for (const [name, value] of Object.entries(k.labels ?? {})) {
    conf.push(
      [`spark.kubernetes.driver.label.${name}`, value],
      [`spark.kubernetes.executor.label.${name}`, value],
    );
  }
  for (const [key, value] of Object.entries(k.conf ?? {})) conf.push([key, value]);

  const args = [
    "--master",
    k.master ?? IN_CLUSTER_MASTER,
    "--deploy-mode",
    "client",
    "--name",
    slug(`${manifest.project.name}-${group.name}`, 60, "kedro-spark"),
  ];
  for (const [key, value] of conf) args.push("--conf", `${key}=${String(value)}`);
  if (k.jars) args.push("--jars", k.jars);
  if (k.packages) args.push("--packages", k.packages);
  if (k.repositories) args.push("--repositories", k.repositories);
  const runScript =
    k.run_script ??
    `local:///opt/${manifest.project.package ?? slug(manifest.project.name, 60, "project")}/runner.py`;
  args.push(runScript, "run");
  if (config.env !== null) args.push(`--env=${config.env}`);
  args.push(
    `--pipeline=${manifest.pipeline}`,
    `--node=${context.nodesArgument(group)}`,
    "--runner=ThreadRunner",
  );

  const pod = context.podView(group, {
    image,
    cmds: [k.spark_submit ?? "spark-submit"],
    arguments: args,
  });
  pod.templatedArguments = nonEmptyList(paramsJsonArguments(config.params, true));
  pod.namespace = namespace;
  pod.serviceAccountName = submitAccount;
  pod.envVars = Object.keys(k.env_vars ?? {}).length
    ? { ...(pod.envVars ?? {}), ...k.env_vars }
    : pod.envVars;
  pod.fieldEnv = [
    { name: POD_IP_VAR, fieldPath: "status.podIP" },
    { name: POD_NAME_VAR, fieldPath: "metadata.name" },
  ];
  for (const [name, mountPath] of Object.entries(k.secrets ?? {})) {
    pod.secrets.push({ deployType: "volume", deployTarget: mountPath, secret: name, key: null });
  }
  if (k.gke) {
    const need = (value: string | null | undefined, key: string): string => {
      if (value) return value;
      throw context.fail(
        `run_config.spark.cluster_config.gke.${key}`,
        "is required to target a GKE cluster",
      );
    };
    pod.gke = {
      projectId: need(k.gke.project_id ?? context.spark.projectId, "project_id"),
      location: need(k.gke.location ?? context.spark.region, "location"),
      clusterName: need(k.gke.cluster_name, "cluster_name"),
    };
  } else if (k.kubernetes_conn_id) {
    pod.kubernetesConnId = k.kubernetes_conn_id;
  }
  return pod;
}
