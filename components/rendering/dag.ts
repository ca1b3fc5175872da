import { InputError } from "../common/errors";
import type { RunConfig, SparkBackend as SparkType, SparkConfig } from "../config/types";
import type { Manifest } from "../manifest/types";
import { clusterCreateAfter, upstreamIndices } from "../planning/cluster-window";
import type { Plan } from "../planning/plan";
import { assetArguments, assetScheduleSource, checkScheduleNotSelf, planAssets } from "./assets";
import { BACKENDS, type ArtifactUris, type BackendContext, type BackendTasks } from "./backends";
import { CREATE_VAR, DELETE_VAR } from "./backends/types";
import type { SparkOperatorFactory } from "./factory";
import { DEFAULT_PIPELINE, pipelineKey, sanitizeId } from "./names";
import { kedroParamsArguments, paramsView, type ParamsView } from "./params";
import { defaultArgs, groupPolicies, taskKwargs, type PolicyKwarg } from "./policies";
import { planTaskGroups, type TaskGroupDecl } from "./task-groups";
import {
  groupDoc,
  nodesArgument,
  nonEmptyList,
  podView,
  profileOf,
  type Edge,
  type ImportKey,
  type TaskView,
} from "./tasks";

export type { ArtifactUris } from "./backends";
export type { PodView, TaskView } from "./tasks";
export { CREATE_CLUSTER, DELETE_CLUSTER, SPARK_JOBS_SUCCEEDED } from "./backends/types";
export { DATAPROC_IDLE_TTL_S } from "./backends/dataproc";
export {
  IN_CLUSTER_MASTER,
  POD_IP_VAR,
  POD_NAME_VAR,
  sparkOnK8sAccounts,
} from "./backends/kubernetes";

export interface DagInputs {
  manifest: Manifest;
  plan: Plan;
  config: RunConfig;
  /** Name the manifest and the run config in error messages. */
  manifestSource: string;
  configSource: string;
  factory: SparkOperatorFactory | null;
  artifacts: ArtifactUris;
  /** The other pipelines' manifests deployed with this one: what they write becomes inlets here. */
  peers?: readonly Manifest[];
}

/** The data the DAG template renders; every value is plain data, written by the `py` helpers. */
export interface DagView {
  dagId: string;
  schedule: string | null;
  /** `schedule=` as Python source when upstream Assets trigger the DAG (then `schedule` is null). */
  assetSchedule: string | null;
  startDate: { year: number; month: number; day: number };
  description: string | null;
  tags: string[];
  docMd: string;
  sparkLabel: string;
  imports: Record<ImportKey, boolean>;
  /** The DAG's runtime params (run_config.params), or null when it has none. */
  params: ParamsView | null;
  /** Whether any standard-library import comes before Airflow's. */
  stdlibImports: boolean;
  /** The `user_defined_macros` mapping, as Python source of names defined in the DAG file. */
  userMacros: string | null;
  customImports: string | null;
  tasks: TaskView[];
  edges: Edge[];
  /** The cluster's create and delete tasks (variables), marked as Airflow setup and teardown. */
  setupTeardown: { setup: string; teardown: string } | null;
  /** The `__default__` task policy as the DAG's default_args, or null when it sets nothing. */
  defaultArgs: PolicyKwarg[] | null;
  /** dagrun_timeout in seconds, or null for none. */
  dagrunTimeout: number | null;
  /** The TaskGroups from Kedro namespaces (run_config.task_groups), parents first; may be empty. */
  taskGroups: TaskGroupDecl[];
}

/** The longest DAG id base (run name or project) before the pipeline part: 128 + 2 + 120 = 250. */
const MAX_DAG_BASE = 128;

/**
 * The DAG id: run_name, else experiment_name, else the project name; for any pipeline other
 * than `__default__`, then `__` and the pipeline's key (pipelineKey: injective and lowercase),
 * so the DAGs of one project's pipelines never share an id, a DAG file or a cluster name
 * (those derive from the id). At most Airflow's 250 characters (ID_LEN in airflow.models.base).
 */
export function dagIdOf(manifest: Manifest, config: RunConfig): string {
  const base = sanitizeId(config.runName ?? manifest.project.name);
  if (manifest.pipeline === DEFAULT_PIPELINE) return base;
  return `${base.slice(0, MAX_DAG_BASE)}__${pipelineKey(manifest.pipeline)}`;
}

/** The settings key of the DAG's pods without a resources profile. */
const NO_PROFILE = Object.freeze({});

/**
 * The DAG as data: pods for the plan's default groups, the Spark backend's tasks for its Spark
 * groups (backends/), the plan's edges, in plan order. Pure; throws InputError for a missing
 * setting or a node name Kedro cannot take back.
 */
export function buildDagView(inputs: DagInputs): DagView {
  const { manifest, plan, config, configSource } = inputs;
  const spark = config.spark;
  const sparkGroups = plan.groups.filter((g) => g.kind === "spark");
  const hasPods = plan.groups.some((g) => g.kind === "default");
  const fail = (path: string, detail: string) => new InputError(configSource, path, detail);
  if (hasPods && config.image === null) {
    throw fail("run_config.image", "is required (the image of the pods that run default nodes)");
  }
  if (sparkGroups.length > 0 && spark.type === null) {
    throw fail(
      "run_config.spark.type",
      `is required because the plan has ${sparkGroups.length} Spark group(s) (expected one of dataproc, dataproc-serverless, k8s, kubernetes, custom)`,
    );
  }
  const backend = sparkGroups.length > 0 && spark.type !== null ? BACKENDS[spark.type] : null;

  const dagId = dagIdOf(manifest, config);
  // Group names are the task ids: valid, distinct and never one of the reserved ids around
  // the Spark jobs (planning/task-ids.ts), whatever the backend.
  const ids = plan.groups.map((g) => g.name);
  // One variable name string per group, shared by its task and its edges (an edge list made
  // two new strings per edge, each hashed again when the edges are sorted).
  const vars = plan.groups.map((_, g) => `task_${g}`);
  const varOf = (g: number) => vars[g]!;
  // Each group's upstream groups by index, for the edges and the cluster's place.
  const ups = upstreamIndices(plan);
  const nodes = (group: (typeof plan.groups)[number]) =>
    nodesArgument(group, manifest, inputs.manifestSource);

  let tasks: TaskView[] = [];
  const edges: Edge[] = [];
  const imports: Record<ImportKey, boolean> = {
    hashlib: false,
    empty: false,
    pod: false,
    secret: false,
    gke: false,
    dataproc: false,
    batch: false,
    k8sModels: false,
    timedelta: false,
    asset: false,
  };

  // Default groups: one pod each, running `kedro run --nodes ...` in the project image.
  // The runtime params' arguments are the same for every pod: one (read-only) list.
  const paramsArguments = nonEmptyList(kedroParamsArguments(config.params));
  plan.groups.forEach((group, g) => {
    if (group.kind !== "default") return;
    const args = ["run", "--pipeline", manifest.pipeline, "--nodes", nodes(group)];
    if (config.env !== null) args.splice(1, 0, "--env", config.env);
    const profile = profileOf(config, group, manifest);
    const pod = podView(
      config,
      manifest,
      group,
      { image: config.image!, cmds: ["kedro"], arguments: args },
      profile,
    );
    pod.templatedArguments = paramsArguments;
    // These pods differ only in their arguments and their resources profile.
    pod.settingsKey = profile ?? NO_PROFILE;
    imports.pod = true;
    tasks.push({ var: varOf(g), taskId: ids[g]!, docMd: groupDoc(group), pod, kwargs: [] });
  });

  // Spark groups: the backend's tasks.
  const fromBackend: BackendTasks | null =
    backend === null
      ? null
      : backendTasks({
          spark,
          config,
          manifest,
          dagId,
          groups: plan.groups.flatMap((group, g) =>
            group.kind === "spark" ? [{ group, var: varOf(g), taskId: ids[g]! }] : [],
          ),
          artifacts: inputs.artifacts,
          factory: inputs.factory,
          configSource,
          nodesArgument: nodes,
          podView: (group, what) => podView(config, manifest, group, what),
          fail,
        });
  if (fromBackend !== null) {
    tasks.push(...fromBackend.tasks);
    edges.push(...fromBackend.edges);
    for (const key of fromBackend.imports) imports[key] = true;
    // A backend's setup task (Dataproc's cluster) just in time: after the tasks every earliest
    // Spark job waits for anyway (planning/cluster-window.ts), so it never bills through them.
    const setup = fromBackend.setupTeardown?.setup;
    if (setup !== undefined) {
      for (const up of clusterCreateAfter(plan, ups)!) edges.push({ from: varOf(up), to: setup });
    }
  }

  imports.secret = tasks.some((t) => (t.pod?.secrets.length ?? 0) > 0);
  imports.k8sModels = tasks.some(
    (t) =>
      t.pod !== undefined &&
      (t.pod.imagePullSecrets.length > 0 ||
        t.pod.resources !== null ||
        t.pod.tolerations.length > 0 ||
        t.pod.fieldEnv.length > 0),
  );

  // The plan group each task runs (task_<g>), -1 for the others, by the task's place in
  // `tasks` (kept beside it when tasks are sorted): read once from the variable.
  let groupOfTask = tasks.map((t) => (t.var.startsWith("task_") ? Number(t.var.slice(5)) : -1));

  // Task policies: each group's task says what differs from the DAG's default_args.
  const policies = groupPolicies(plan.groups, manifest, config, configSource);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    const g = groupOfTask[i]!;
    if (g < 0) continue;
    const kwargs = taskKwargs(policies[g]!, config, task.pod !== undefined);
    task.policy =
      task.custom === undefined ? kwargs : kwargs.map((k) => ({ ...k, target: task.var }));
  }
  const dagDefaults = defaultArgs(config);
  imports.timedelta =
    config.dagrunTimeout !== null ||
    dagDefaults.some((k) => k.duration) ||
    tasks.some((t) => t.policy?.some((k) => k.duration));

  // Assets: each group's task (a factory's text excepted) gets its outlets and inlets.
  const groupAssets = planAssets(manifest, plan, config, inputs.peers ?? []);
  checkScheduleNotSelf(config.schedule, plan, groupAssets, configSource);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    const g = groupOfTask[i]!;
    if (g < 0 || task.custom !== undefined) continue;
    task.assets = assetArguments(groupAssets[g]);
    imports.asset ||= task.assets !== null;
  }
  imports.asset ||= config.schedule !== null;

  // The plan's edges, between the tasks that run the groups.
  for (let g = 0; g < ups.length; g++) {
    const upstream = ups[g]!;
    for (let i = 0; i < upstream.length; i++) {
      edges.push({ from: varOf(upstream[i]!), to: varOf(g) });
    }
  }
  // Tasks read in plan order: the groups as planned, the cluster just before the first Spark
  // job (it waits for the tasks before it), then the closing tasks.
  const firstSpark = plan.groups.findIndex((g) => g.kind === "spark");
  const rank = (t: TaskView, g: number) =>
    t.var === CREATE_VAR
      ? firstSpark - 0.5
      : g >= 0
        ? g
        : plan.groups.length + (t.var === DELETE_VAR ? 0 : 1);
  // Sort keys computed once per item, not per comparison (slices or Map lookups each time).
  const taskOrder = sortedOrder(
    tasks.map((t, i) => rank(t, groupOfTask[i]!)),
    null,
  );
  tasks = taskOrder.map((i) => tasks[i]!);
  groupOfTask = taskOrder.map((i) => groupOfTask[i]!);
  const order = new Map<string, number>();
  tasks.forEach((t, i) => order.set(t.var, i));
  const edgeOrder = sortedOrder(
    edges.map((e) => order.get(e.to)!),
    edges.map((e) => order.get(e.from)!),
  );
  const sortedEdges = edgeOrder.map((i) => edges[i]!);

  // Kedro namespaces as TaskGroups: only the plan's tasks go in one, the cluster's stay on top.
  const groups = config.taskGroups
    ? planTaskGroups(
        plan,
        manifest,
        tasks.map((t) => t.taskId),
      )
    : null;
  if (groups !== null) {
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      const g = groupOfTask[i]!;
      const tg = g < 0 ? null : groups.groupOf[g];
      if (tg) t.taskGroup = tg;
    }
  }

  const params = paramsView(config.params);
  const macroNames = [
    ...(params ? ["kak_kedro_params", "kak_params_json"] : []),
    ...(imports.hashlib ? ["kak_run_suffix"] : []),
  ];
  const start = config.startDate;
  return {
    dagId,
    schedule: config.cronExpression,
    assetSchedule: config.schedule === null ? null : assetScheduleSource(config.schedule),
    startDate: {
      year: Number(start.slice(0, 4)),
      month: Number(start.slice(4, 6)),
      day: Number(start.slice(6, 8)),
    },
    description: config.description,
    tags: [
      "kedro",
      "kedro-airflow-k8s",
      ...(sparkGroups.length > 0 ? [`spark:${spark.type}`] : []),
    ],
    docMd: dagDoc(manifest, plan, config.env),
    sparkLabel:
      sparkGroups.length === 0 ? "no backend (this plan has no Spark groups)" : String(spark.type),
    imports,
    params,
    stdlibImports: imports.hashlib || params !== null || imports.timedelta,
    userMacros:
      macroNames.length === 0 ? null : `{${macroNames.map((n) => `"${n}": ${n}`).join(", ")}}`,
    customImports: fromBackend?.customImports ?? null,
    tasks,
    edges: sortedEdges,
    setupTeardown: fromBackend?.setupTeardown ?? null,
    defaultArgs: dagDefaults.length > 0 ? dagDefaults : null,
    dagrunTimeout: config.dagrunTimeout,
    taskGroups: groups?.groups ?? [],
  };
}

/**
 * The order that sorts items by `first`, then `second` (keys by the item's index), stably, as
 * Array.prototype.sort with a comparator of those keys would: the items' indices in that order.
 */
function sortedOrder(first: readonly number[], second: readonly number[] | null): number[] {
  const index = first.map((_, i) => i);
  index.sort((a, b) => first[a]! - first[b]! || (second === null ? 0 : second[a]! - second[b]!));
  return index;
}

/** Runs the backend of the config's type on a context of that type (one place knows the pairing). */
function backendTasks(
  context: Omit<BackendContext<SparkType>, "spark"> & { spark: SparkConfig },
): BackendTasks {
  const { spark } = context;
  switch (spark.type) {
    case "dataproc":
      return BACKENDS.dataproc.tasks({ ...context, spark });
    case "dataproc-serverless":
      return BACKENDS["dataproc-serverless"].tasks({ ...context, spark });
    case "kubernetes":
      return BACKENDS.kubernetes.tasks({ ...context, spark });
    case "custom":
      return BACKENDS.custom.tasks({ ...context, spark });
    default:
      throw new Error(`no backend for spark.type ${String(spark.type)}`);
  }
}

function dagDoc(manifest: Manifest, plan: Plan, env: string | null): string {
  const c = plan.counts;
  return [
    `Kedro project **${manifest.project.name}**, pipeline \`${manifest.pipeline}\`${env ? `, env \`${env}\`` : ""}.`,
    "",
    `${c.nodes} nodes in ${c.groups} tasks: ${c.sparkJobs} Spark job(s) and ${c.groups - c.sparkJobs} pod(s). Generated by kedro-airflow-k8s.`,
  ].join("\n");
}
