import { kubernetes, sparkOnK8sAccounts } from "../../components/rendering/backends/kubernetes";
import { contextFor } from "./context";

describe("kubernetes backend", () => {
  it("runs each Spark group as a spark-submit pod in client mode, with the settings as --conf", () => {
    const context = contextFor("kubernetes", {
      cluster_config: {
        image: "spark:1",
        num_executors: 3,
        conf: { "spark.sql.shuffle.partitions": 8, "spark.x": "a b" },
        limits: { cpu: 2, memory: "4g" },
        env_vars: { A: "1" },
        jars: "gs://bkt/x.jar",
      },
    });
    const out = kubernetes.tasks(context);
    expect(out.tasks.map((t) => [t.var, t.taskId, t.operator, t.pod?.gke])).toEqual([
      ["task_0", "tid_0", undefined, null],
      ["task_2", "tid_2", undefined, null],
    ]);
    const pod = out.tasks[0]!.pod!;
    expect(pod.image).toBe("spark:1");
    expect(pod.cmds).toEqual(["spark-submit"]);
    const args = pod.arguments;
    const confs = args.flatMap((a, i) => (args[i - 1] === "--conf" ? [a] : []));
    expect(confs).toEqual(
      expect.arrayContaining([
        "spark.executor.instances=3",
        "spark.sql.shuffle.partitions=8",
        "spark.x=a b",
        "spark.kubernetes.driver.limit.cores=2",
        "spark.driver.memory=4g",
        "spark.executorEnv.A=1",
      ]),
    );
    expect(args.slice(0, 4)).toEqual([
      "--master",
      "k8s://https://kubernetes.default.svc:443",
      "--deploy-mode",
      "client",
    ]);
    expect(args).toContain("--jars");
    expect(args.slice(-3)).toEqual([
      "--pipeline=__default__",
      `--node=${context.groups[0]!.group.nodes.join(",")}`,
      "--runner=ThreadRunner",
    ]);
    expect(pod.envVars).toEqual({ A: "1" });
    expect(pod.fieldEnv.map((f) => f.fieldPath)).toEqual(["status.podIP", "metadata.name"]);
    expect(out.imports).toEqual(["pod"]);
    expect(out.edges).toEqual([]);
    expect(out.setupTeardown).toBeNull();
  });

  it("targets a GKE cluster, or an Airflow connection", () => {
    const gke = kubernetes.tasks(
      contextFor("kubernetes", {
        project_id: "p",
        region: "europe-west1",
        cluster_config: { image: "i", gke: { cluster_name: "c" } },
      }),
    );
    expect(gke.tasks[0]!.pod!.gke).toEqual({
      projectId: "p",
      location: "europe-west1",
      clusterName: "c",
    });
    expect(gke.imports).toEqual(["gke"]);
    const conn = kubernetes.tasks(
      contextFor("kubernetes", { cluster_config: { image: "i", kubernetes_conn_id: "k" } }),
    );
    expect(conn.tasks[0]!.pod!.kubernetesConnId).toBe("k");
    expect(() =>
      kubernetes.tasks(contextFor("kubernetes", { cluster_config: { image: "i", gke: {} } })),
    ).toThrow(/^conf\.yaml: run_config\.spark\.cluster_config\.gke\.project_id: is required/);
  });

  it("reads the service accounts from cluster_config, else from the run config", () => {
    const context = contextFor("kubernetes", {
      cluster_config: { namespace: "spark", driver_service_account: "drv" },
    });
    expect(sparkOnK8sAccounts(context.config)).toEqual({
      namespace: "spark",
      submit: "kedro-spark-submit",
      driver: "drv",
    });
    expect(kubernetes.tasks(context).tasks[0]!.pod!.serviceAccountName).toBe("kedro-spark-submit");
  });
});
