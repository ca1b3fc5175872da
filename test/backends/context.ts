import { InputError } from "../../components/common/errors";
import { normaliseRunConfig } from "../../components/config/load";
import type { SparkBackend as SparkType, SparkConfig } from "../../components/config/types";
import { normaliseManifest } from "../../components/manifest/load";
import { planPipeline } from "../../components/planning/plan";
import type { BackendContext } from "../../components/rendering/backends";
import type { SparkOperatorFactory } from "../../components/rendering/factory";
import { nodesArgument, podView } from "../../components/rendering/tasks";

/** Two Spark groups around a pod group: spark_a -> pod_b -> spark_c. */
export const MANIFEST = normaliseManifest(
  {
    schemaVersion: 1,
    project: { name: "demo", package: "demo" },
    pipeline: "__default__",
    env: null,
    nodes: [
      { name: "spark_a", inputs: [], outputs: ["x"], tags: ["kedro-airflow-k8s:group:pyspark"] },
      { name: "pod_b", inputs: ["x"], outputs: ["y"], tags: [] },
      { name: "spark_c", inputs: ["y"], outputs: ["z"], tags: ["kedro-airflow-k8s:group:pyspark"] },
    ],
    datasets: {
      x: { type: "pandas.ParquetDataset", filepath: "gs://b/x" },
      y: { type: "pandas.ParquetDataset", filepath: "gs://b/y" },
      z: { type: "pandas.ParquetDataset", filepath: "gs://b/z" },
    },
  },
  "manifest.json",
);

/** A backend's context for a run config's `spark` section, as dag.ts builds it. */
export function contextFor<T extends SparkType>(
  type: T,
  spark: object,
  extra: { factory?: SparkOperatorFactory; params?: object } = {},
): BackendContext<T> {
  const config = normaliseRunConfig(
    { run_config: { image: "img", params: extra.params, spark: { type, ...spark } } },
    "conf.yaml",
  );
  const plan = planPipeline(MANIFEST, config);
  const groups = plan.groups.flatMap((group, g) =>
    group.kind === "spark" ? [{ group, var: `task_${g}`, taskId: `tid_${g}` }] : [],
  );
  if (config.spark.type !== type) throw new Error(`expected spark.type ${type}`);
  return {
    spark: config.spark as Extract<SparkConfig, { type: T }>,
    config,
    manifest: MANIFEST,
    dagId: "demo",
    groups,
    artifacts: {
      runScripts: Object.fromEntries(groups.map((s) => [s.group.name, `gs://bkt/a/${s.var}.py`])),
      initScript: "gs://bkt/a/init.sh",
    },
    factory: extra.factory ?? null,
    configSource: "conf.yaml",
    nodesArgument: (group) => nodesArgument(group, MANIFEST, "manifest.json"),
    podView: (group, what) => podView(config, MANIFEST, group, what),
    fail: (path, detail) => new InputError("conf.yaml", path, detail),
  };
}

/** The keyword arguments of a task, as a mapping. */
export function kwargsOf(task: {
  kwargs: { name: string; value: unknown }[];
}): Record<string, unknown> {
  return Object.fromEntries(task.kwargs.map((k) => [k.name, k.value]));
}
