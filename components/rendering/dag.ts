import { InputError } from "../common/errors";
import type { ResourceProfile, RunConfig } from "../config/types";
import type { Manifest } from "../manifest/types";
import type { Plan, PlanGroup } from "../planning/plan";
import { assetArguments, assetScheduleSource, checkScheduleNotSelf, planAssets } from "./assets";
import type { SparkOperatorFactory } from "./factory";
import { joinNodeNames } from "./kedro-args";
import { jinjaSafeDeep, type PyValue } from "./literals";
import { DEFAULT_PIPELINE, pipelineKey, slug, taskIds } from "./names";
import {
  kedroParamsArguments,
  paramsJsonArguments,
  paramsJsonTemplate,
  paramsView,
  type ParamsView,
} from "./params";

/** Where each Spark group's run script and the init script will be uploaded. */
export interface ArtifactUris {
  runScripts: Record<string, string>;
  initScript: string | null;
  /** Serverless, packaged project: the wheel (as a zip) for pyspark_batch.python_file_uris. */
  pythonFiles?: string[];
  /** Serverless, packaged project: the conf tarball for pyspark_batch.file_uris. */
  files?: string[];
}

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
  imports: Record<
    "hashlib" | "empty" | "pod" | "secret" | "gke" | "dataproc" | "batch" | "k8sModels" | "asset",
    boolean
  >;
  /** The DAG's runtime params (run_config.params), or null when it has none. */
  params: ParamsView | null;
  /** Whether any standard-library import comes before Airflow's. */
  stdlibImports: boolean;
  /** The `user_defined_macros` mapping, as Python source of names defined in the DAG file. */
  userMacros: string | null;
  customImports: string | null;
  tasks: TaskView[];
  edges: { from: string; to: string }[];
  /** The task id of each plan group, by group name. */
  groupTaskIds: Record<string, string>;
  /** The cluster's create and delete tasks (variables), marked as Airflow setup and teardown. */
  setupTeardown: { setup: string; teardown: string } | null;
}

export interface TaskView {
  /** The Python variable holding the operator. */
  var: string;
  taskId: string;
  docMd: string | null;
  pod?: PodView;
  createCluster?: {
    projectId: string;
    region: string;
    clusterName: string;
    clusterConfig: PyValue;
  };
  /** `job` holds the run's cluster name as a Jinja template, and Jinja-safe values elsewhere. */
  submitJob?: { projectId: string; region: string; job: PyValue };
  deleteCluster?: { projectId: string; region: string; clusterName: string };
  batch?: { projectId: string; region: string; batchId: string; batch: PyValue };
  empty?: true;
  custom?: string;
  /** `outlets=`/`inlets=` arguments as Python source lines (components/rendering/assets.ts). */
  assets?: string | null;
}

export interface PodView {
  gke: { projectId: string; location: string; clusterName: string } | null;
  kubernetesConnId: string | null;
  namespace: string;
  image: string;
  imagePullPolicy: string;
  cmds: string[];
  arguments: string[];
  /** Arguments after `arguments` that are Jinja we wrote (runtime params): not made Jinja-safe. */
  templatedArguments: string[] | null;
  envVars: Record<string, string> | null;
  /** Variables the kubelet fills from the pod's own fields (downward API): name -> field path. */
  fieldEnv: { name: string; fieldPath: string }[];
  secrets: {
    deployType: string;
    deployTarget: string | null;
    secret: string;
    key: string | null;
  }[];
  serviceAccountName: string | null;
  imagePullSecrets: string[];
  resources: { requests: Record<string, string>; limits: Record<string, string> } | null;
  nodeSelector: Record<string, string> | null;
  tolerations: {
    key: string | null;
    operator: string | null;
    value: string | null;
    effect: string | null;
    tolerationSeconds: number | null;
  }[];
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
}

/** Task ids of the tasks that exist besides the plan's groups. */
export const CREATE_CLUSTER = "create_spark_cluster";
export const DELETE_CLUSTER = "delete_spark_cluster";
export const SPARK_JOBS_SUCCEEDED = "spark_jobs_succeeded";

/** Env vars of the spark-submit pod that the kubelet fills from the pod's own status. */
export const POD_IP_VAR = "KAK_POD_IP";
export const POD_NAME_VAR = "KAK_POD_NAME";

/** The Spark master inside a Kubernetes cluster, as spark-submit wants it. */
export const IN_CLUSTER_MASTER = "k8s://https://kubernetes.default.svc:443";

/** The longest DAG id base (run name or project) before the pipeline part: 128 + 2 + 120 = 250. */
const MAX_DAG_BASE = 128;

/**
 * The DAG id: run_name, else experiment_name, else the project name; for any pipeline other
 * than `__default__`, then `__` and the pipeline's key (pipelineKey: injective and lowercase),
 * so the DAGs of one project's pipelines never share an id, a DAG file or a cluster name
 * (those derive from the id). At most Airflow's 250 characters (ID_LEN in airflow.models.base).
 */
export function dagIdOf(manifest: Manifest, config: RunConfig): string {
  const base = taskIds([config.runName ?? manifest.project.name])[0]!;
  if (manifest.pipeline === DEFAULT_PIPELINE) return base;
  return `${base.slice(0, MAX_DAG_BASE)}__${pipelineKey(manifest.pipeline)}`;
}

export function buildDagView(inputs: DagInputs): DagView {
  const { manifest, plan, config, configSource } = inputs;
  const spark = config.spark;
  const sparkGroups = plan.groups.filter((g) => g.kind === "spark");
  const hasPods = plan.groups.some((g) => g.kind === "default");
  const fail = (path: string, detail: string): never => {
    throw new InputError(configSource, path, detail);
  };
  if (hasPods && config.image === null) {
    fail("run_config.image", "is required (the image of the pods that run default nodes)");
  }
  if (sparkGroups.length > 0 && spark.type === null) {
    fail(
      "run_config.spark.type",
      `is required because the plan has ${sparkGroups.length} Spark group(s) (expected one of dataproc, dataproc-serverless, k8s, kubernetes, custom)`,
    );
  }

  const dagId = dagIdOf(manifest, config);
  const usesCluster = sparkGroups.length > 0 && spark.type === "dataproc";
  // Ids of the tasks around the Spark jobs; a custom factory's cluster tasks use them too.
  const reserved =
    sparkGroups.length === 0
      ? []
      : usesCluster
        ? [CREATE_CLUSTER, DELETE_CLUSTER]
        : spark.type === "custom"
          ? [CREATE_CLUSTER, DELETE_CLUSTER, SPARK_JOBS_SUCCEEDED]
          : [];
  const ids = taskIds(
    plan.groups.map((g) => g.name),
    reserved,
  );
  const varOf = (g: number) => `task_${g}`;
  const groupIndex = new Map(plan.groups.map((g, i) => [g.name, i]));
  const runSuffix = "{{ kak_run_suffix(dag.dag_id, run_id) }}";
  // A Dataproc batch id that exists is re-attached, not re-run: each try needs its own.
  const trySuffix = "{{ kak_run_suffix(dag.dag_id, run_id, ti.try_number) }}";
  const clusterName = `${slug(spark.clusterName ?? dagId, 40, "kedro")}-${runSuffix}`;

  const tasks: TaskView[] = [];
  const edges: { from: string; to: string }[] = [];
  const imports: DagView["imports"] = {
    hashlib: false,
    empty: false,
    pod: false,
    secret: false,
    gke: false,
    dataproc: false,
    batch: false,
    k8sModels: false,
    asset: false,
  };
  let customImports: string | null = null;
  let setupTeardown: DagView["setupTeardown"] = null;

  const nodesArgument = (group: PlanGroup): string => {
    const joined = joinNodeNames(group.nodes);
    if (joined === null) {
      const bad =
        group.nodes.find((n) => joinNodeNames([n]) === null || n.includes(",")) ?? group.nodes[0]!;
      throw new InputError(
        inputs.manifestSource,
        `nodes[${manifest.nodes.findIndex((n) => n.name === bad)}].name`,
        `node name ${JSON.stringify(bad)} cannot be passed through Kedro's --nodes (a comma outside square brackets, or unbalanced brackets); rename the node`,
      );
    }
    return joined;
  };

  // Default groups: one pod each, running `kedro run --nodes ...` in the project image.
  plan.groups.forEach((group, g) => {
    if (group.kind !== "default") return;
    const args = ["run", "--pipeline", manifest.pipeline, "--nodes", nodesArgument(group)];
    if (config.env !== null) args.splice(1, 0, "--env", config.env);
    const pod = podView(config, manifest, group, {
      image: config.image!,
      cmds: ["kedro"],
      arguments: args,
    });
    pod.templatedArguments = nonEmptyList(kedroParamsArguments(config.params));
    imports.pod = true;
    tasks.push({ var: varOf(g), taskId: ids[g]!, docMd: groupDoc(group), pod });
  });

  // Spark groups, by backend.
  const sparkVars: string[] = [];
  if (sparkGroups.length > 0) {
    const projectId = spark.projectId;
    const region = spark.region;
    const requireKey = (value: string | null, key: string, why: string): string =>
      value ?? fail(`run_config.spark.${key}`, `is required for spark.type ${spark.type} (${why})`);

    if (spark.type === "dataproc") {
      const pid = requireKey(projectId, "project_id", "the GCP project of the cluster");
      const reg = requireKey(region, "region", "the region of the cluster");
      requireKey(
        spark.artifactsPath,
        "artifacts_path",
        "where the init and run scripts are uploaded",
      );
      imports.dataproc = imports.hashlib = true;
      const clusterConfig = { ...(spark.clusterConfig as Record<string, PyValue>) };
      const actions = Array.isArray(clusterConfig["initialization_actions"])
        ? [...(clusterConfig["initialization_actions"] as PyValue[])]
        : [];
      actions.push({ executable_file: inputs.artifacts.initScript! });
      clusterConfig["initialization_actions"] = actions;
      // A safety net for when the teardown never runs (a worker lost, the DAG removed): Dataproc
      // deletes a cluster idle that long. A lifecycle_config of the user's, even `{}`, wins.
      clusterConfig["lifecycle_config"] ??= { idle_delete_ttl: { seconds: DATAPROC_IDLE_TTL_S } };
      tasks.push({
        var: "create_cluster",
        taskId: CREATE_CLUSTER,
        docMd: null,
        createCluster: { projectId: pid, region: reg, clusterName, clusterConfig },
      });
      plan.groups.forEach((group, g) => {
        if (group.kind !== "spark") return;
        tasks.push({
          var: varOf(g),
          taskId: ids[g]!,
          docMd: groupDoc(group),
          submitJob: {
            projectId: pid,
            region: reg,
            job: {
              placement: { cluster_name: clusterName },
              pyspark_job: {
                ...(jinjaSafeDeep({
                  main_python_file_uri: inputs.artifacts.runScripts[group.name]!,
                }) as Record<string, PyValue>),
                ...withArgs(paramsJsonArguments(config.params, false)),
              },
            },
          },
        });
        edges.push({ from: "create_cluster", to: varOf(g) });
        sparkVars.push(varOf(g));
      });
      tasks.push({
        var: "delete_cluster",
        taskId: DELETE_CLUSTER,
        docMd: null,
        deleteCluster: { projectId: pid, region: reg, clusterName },
      });
      for (const v of sparkVars) edges.push({ from: v, to: "delete_cluster" });
      // Setup and teardown (Airflow 2.7+): the cluster is deleted whatever the jobs did, the
      // run's state comes from the jobs alone, and clearing a job re-creates its cluster.
      setupTeardown = { setup: "create_cluster", teardown: "delete_cluster" };
    } else if (spark.type === "dataproc-serverless") {
      const pid = requireKey(projectId, "project_id", "the GCP project of the batches");
      const reg = requireKey(region, "region", "the region of the batches");
      requireKey(spark.artifactsPath, "artifacts_path", "where the run scripts are uploaded");
      const cc = spark.clusterConfig as Record<string, PyValue>;
      const runtime = (cc["runtime_config"] ?? {}) as Record<string, PyValue>;
      if (typeof runtime["container_image"] !== "string" || runtime["container_image"] === "") {
        fail(
          "run_config.spark.cluster_config.runtime_config.container_image",
          "is required for spark.type dataproc-serverless (an image holding the Kedro project and its requirements; serverless batches run no init script)",
        );
      }
      imports.batch = imports.hashlib = true;
      const userBatch = (cc["pyspark_batch"] ?? {}) as Record<string, PyValue>;
      const listOf = (key: string, added: string[] | undefined): Record<string, PyValue> => {
        if (added === undefined || added.length === 0) return {};
        const given = Array.isArray(userBatch[key]) ? (userBatch[key] as PyValue[]) : [];
        return { [key]: [...given, ...added] };
      };
      const packagedFiles = {
        ...listOf("python_file_uris", inputs.artifacts.pythonFiles),
        ...listOf("file_uris", inputs.artifacts.files),
      };
      plan.groups.forEach((group, g) => {
        if (group.kind !== "spark") return;
        // 4-63 characters of [a-z0-9-]: 10 for the run suffix, 1 for the dash.
        const batchId = `${slug(`${spark.clusterName ?? dagId}-${group.name}`, 52, "kedro")}-${trySuffix}`;
        tasks.push({
          var: varOf(g),
          taskId: ids[g]!,
          docMd: groupDoc(group),
          batch: {
            projectId: pid,
            region: reg,
            batchId,
            // Jinja-safe as a whole here, so that the params' template args (ours) stay live.
            batch: withBatchArgs(
              jinjaSafeDeep({
                ...cc,
                pyspark_batch: {
                  ...userBatch,
                  ...packagedFiles,
                  main_python_file_uri: inputs.artifacts.runScripts[group.name]!,
                },
              }) as Record<string, PyValue>,
              paramsJsonArguments(config.params, false),
            ),
          },
        });
        sparkVars.push(varOf(g));
      });
    } else if (spark.type === "kubernetes") {
      plan.groups.forEach((group, g) => {
        if (group.kind !== "spark") return;
        const pod = sparkSubmitPod(inputs, group, nodesArgument(group));
        imports.pod = imports.pod || pod.gke === null;
        imports.gke = imports.gke || pod.gke !== null;
        tasks.push({ var: varOf(g), taskId: ids[g]!, docMd: groupDoc(group), pod });
        sparkVars.push(varOf(g));
      });
    } else if (spark.type === "custom") {
      const factory =
        inputs.factory ??
        fail("run_config.spark.operator_factory", "is required for spark.type custom");
      customImports = callFactory(
        () => factory.importsStatement(),
        "importsStatement",
        configSource,
      );
      const clusterContext = {
        dagId,
        projectId,
        region,
        clusterName,
        clusterConfig: spark.clusterConfig as Record<string, PyValue>,
        initScriptUri: inputs.artifacts.initScript,
      };
      const create = callFactory(
        () => factory.createClusterOperator({ ...clusterContext, taskId: CREATE_CLUSTER }),
        "createClusterOperator",
        configSource,
      );
      const del = callFactory(
        () => factory.deleteClusterOperator({ ...clusterContext, taskId: DELETE_CLUSTER }),
        "deleteClusterOperator",
        configSource,
      );
      imports.hashlib = true;
      if (create.trim() !== "")
        tasks.push({ var: "create_cluster", taskId: CREATE_CLUSTER, docMd: null, custom: create });
      plan.groups.forEach((group, g) => {
        if (group.kind !== "spark") return;
        const base = {
          dagId: clusterContext.dagId,
          projectId,
          region,
          clusterName,
          clusterConfig: clusterContext.clusterConfig,
        };
        const text = callFactory(
          () =>
            factory.submitOperator({
              ...base,
              taskId: ids[g]!,
              group: group.name,
              nodes: [...group.nodes],
              env: config.env,
              pipeline: manifest.pipeline,
              runScriptUri: inputs.artifacts.runScripts[group.name] ?? null,
              paramsJson: paramsJsonTemplate(config.params, false),
            }),
          "submitOperator",
          configSource,
        );
        tasks.push({ var: varOf(g), taskId: ids[g]!, docMd: null, custom: text });
        if (create.trim() !== "") edges.push({ from: "create_cluster", to: varOf(g) });
        sparkVars.push(varOf(g));
      });
      if (del.trim() !== "") {
        tasks.push({ var: "delete_cluster", taskId: DELETE_CLUSTER, docMd: null, custom: del });
        for (const v of sparkVars) edges.push({ from: v, to: "delete_cluster" });
      }
    }
    if (spark.type === "custom") {
      // A factory's delete task usually runs on trigger_rule all_done, which would leave the
      // run green when a Spark job failed; this task fails (upstream_failed) when any does.
      imports.empty = true;
      tasks.push({
        var: "spark_jobs_succeeded",
        taskId: SPARK_JOBS_SUCCEEDED,
        docMd: "Fails the DAG run when any Spark job failed (the cluster is deleted either way).",
        empty: true,
      });
      for (const v of sparkVars) edges.push({ from: v, to: "spark_jobs_succeeded" });
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

  // Assets: each group's task (a factory's text excepted) gets its outlets and inlets.
  const groupAssets = planAssets(manifest, plan, config, inputs.peers ?? []);
  checkScheduleNotSelf(config.schedule, groupAssets, configSource);
  for (const task of tasks) {
    if (!task.var.startsWith("task_") || task.custom !== undefined) continue;
    task.assets = assetArguments(groupAssets.get(plan.groups[Number(task.var.slice(5))]!.name));
    imports.asset ||= task.assets !== null;
  }
  imports.asset ||= config.schedule !== null;

  // The plan's edges, between the tasks that run the groups.
  plan.groups.forEach((group, g) => {
    for (const up of group.upstream) edges.push({ from: varOf(groupIndex.get(up)!), to: varOf(g) });
  });
  // Tasks read in plan order: the cluster first, the groups as planned, then the closing tasks.
  const rank = (t: TaskView) =>
    t.var === "create_cluster"
      ? -1
      : t.var.startsWith("task_")
        ? Number(t.var.slice(5))
        : plan.groups.length + (t.var === "delete_cluster" ? 0 : 1);
  tasks.sort((a, b) => rank(a) - rank(b));
  const order = new Map(tasks.map((t, i) => [t.var, i]));
  edges.sort(
    (a, b) => order.get(a.to)! - order.get(b.to)! || order.get(a.from)! - order.get(b.from)!,
  );

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
    stdlibImports: imports.hashlib || params !== null,
    userMacros:
      macroNames.length === 0 ? null : `{${macroNames.map((n) => `"${n}": ${n}`).join(", ")}}`,
    customImports,
    tasks,
    edges,
    setupTeardown,
    groupTaskIds: Object.fromEntries(plan.groups.map((g, i) => [g.name, ids[i]!])),
  };
}

function nonEmptyList<T>(list: T[]): T[] | null {
  return list.length > 0 ? list : null;
}

/** `{ args }` for a Dataproc job, or nothing when there are none. */
function withArgs(args: string[]): { args?: string[] } {
  return args.length > 0 ? { args } : {};
}

/** A Serverless batch with our arguments after any the user's cluster_config gives. */
function withBatchArgs(batch: Record<string, PyValue>, args: string[]): Record<string, PyValue> {
  if (args.length === 0) return batch;
  const pyspark = batch["pyspark_batch"] as Record<string, PyValue>;
  const before = Array.isArray(pyspark["args"]) ? (pyspark["args"] as PyValue[]) : [];
  return { ...batch, pyspark_batch: { ...pyspark, args: [...before, ...args] } };
}

function callFactory(call: () => unknown, method: string, source: string): string {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    throw new InputError(
      source,
      "run_config.spark.operator_factory",
      `${method}() threw ${(err as Error)?.name ?? "an error"}: ${String((err as Error)?.message ?? err).split("\n")[0]}`,
    );
  }
  if (typeof result !== "string") {
    throw new InputError(
      source,
      "run_config.spark.operator_factory",
      `${method}() returned ${result === null ? "null" : typeof result}, expected a string of Python source`,
    );
  }
  return result;
}

function groupDoc(group: PlanGroup): string {
  const lines = [
    `**${group.kind === "spark" ? "Spark job" : "Pod"}** running ${group.nodes.length} Kedro node(s):`,
    "",
  ];
  for (const node of group.nodes) {
    const reason = group.reasons[node];
    lines.push(
      `- \`${node.replace(/`/g, "'")}\`${reason ? `: ${reason.code}, ${reason.evidence.replace(/`/g, "'")}` : ""}`,
    );
  }
  return lines.join("\n");
}

function dagDoc(manifest: Manifest, plan: Plan, env: string | null): string {
  const c = plan.counts;
  return [
    `Kedro project **${manifest.project.name}**, pipeline \`${manifest.pipeline}\`${env ? `, env \`${env}\`` : ""}.`,
    "",
    `${c.nodes} nodes in ${c.groups} tasks: ${c.sparkJobs} Spark job(s) and ${c.groups - c.sparkJobs} pod(s). Generated by kedro-airflow-k8s.`,
  ].join("\n");
}

const tagIndexes = new WeakMap<Manifest, Map<string, readonly string[]>>();

/** Node name -> tags, built once per manifest (per group it would make rendering quadratic). */
function tagIndex(manifest: Manifest): Map<string, readonly string[]> {
  let index = tagIndexes.get(manifest);
  if (index === undefined) {
    index = new Map(manifest.nodes.map((n) => [n.name, n.tags]));
    tagIndexes.set(manifest, index);
  }
  return index;
}

/**
 * The resources profile of a group: a `resources:<name>` (or `resources.<name>`) tag of its
 * nodes, the first by name when they differ, else `__default__`.
 */
function profileOf(
  config: RunConfig,
  group: PlanGroup,
  manifest: Manifest,
): ResourceProfile | null {
  const tags = new Set<string>();
  const nodeTags = tagIndex(manifest);
  for (const name of group.nodes) {
    // `resources:<name>` is the seed's tag; Kedro 0.19+ allows no colon, so `resources.<name>` too.
    for (const tag of nodeTags.get(name) ?? []) {
      if (tag.startsWith("resources:") || tag.startsWith("resources.")) tags.add(tag.slice(10));
    }
  }
  for (const name of [...tags].sort()) {
    const profile = config.resources[name];
    if (profile) return profile;
  }
  return config.resources["__default__"] ?? null;
}

function podView(
  config: RunConfig,
  manifest: Manifest,
  group: PlanGroup,
  what: { image: string; cmds: string[]; arguments: string[] },
): PodView {
  const profile = profileOf(config, group, manifest);
  const quantities = (q: { cpu: string | null; memory: string | null } | undefined) =>
    Object.fromEntries(
      Object.entries({ cpu: q?.cpu ?? null, memory: q?.memory ?? null }).filter(
        ([, v]) => v !== null,
      ),
    ) as Record<string, string>;
  const requests = quantities(profile?.requests);
  const limits = quantities(profile?.limits);
  const nonEmpty = <T extends object>(o: T | undefined): T | null =>
    o && Object.keys(o).length > 0 ? o : null;
  return {
    gke: null,
    kubernetesConnId: null,
    namespace: config.namespace ?? "default",
    image: what.image,
    imagePullPolicy: config.imagePullPolicy,
    cmds: what.cmds,
    arguments: what.arguments,
    templatedArguments: null,
    envVars: nonEmpty(config.envVars),
    fieldEnv: [],
    secrets: config.secrets.map((s) => ({ ...s })),
    serviceAccountName: config.serviceAccountName,
    imagePullSecrets: config.imagePullSecrets,
    resources:
      Object.keys(requests).length + Object.keys(limits).length > 0 ? { requests, limits } : null,
    nodeSelector: nonEmpty(profile?.nodeSelectors),
    tolerations: profile?.tolerations ?? [],
    labels: nonEmpty(profile?.labels),
    annotations: nonEmpty(profile?.annotations),
  };
}

/**
 * The default `lifecycle_config.idle_delete_ttl` of a per-run Dataproc cluster: longer than
 * any gap between two Spark jobs of a run should be (the pods between them), short enough that
 * a forgotten cluster stops billing within hours. Dataproc allows 10 minutes to 14 days.
 */
export const DATAPROC_IDLE_TTL_S = 7200;

/** Settings read from spark.cluster_config for Spark on Kubernetes (the seed's names, and ours). */
interface K8sSparkSettings {
  run_script?: string;
  image?: string;
  namespace?: string;
  master?: string;
  spark_submit?: string;
  driver_service_account?: string;
  submit_service_account?: string;
  conf?: Record<string, PyValue>;
  num_executors?: number;
  requests?: { cpu?: string | number; memory?: string };
  limits?: { cpu?: string | number; memory?: string };
  jars?: string;
  packages?: string;
  repositories?: string;
  env_vars?: Record<string, string>;
  /** Kubernetes Secret name -> mount path in the driver and executors (the seed's key). */
  secrets?: Record<string, string>;
  labels?: Record<string, string>;
  kubernetes_conn_id?: string;
  gke?: { project_id?: string; location?: string; cluster_name?: string };
}

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
  const k = config.spark.clusterConfig as K8sSparkSettings;
  return {
    namespace: k.namespace ?? config.namespace ?? "default",
    submit: k.submit_service_account ?? config.serviceAccountName ?? "kedro-spark-submit",
    driver: k.driver_service_account ?? config.serviceAccountName ?? "kedro-spark-driver",
  };
}

/**
 * A pod in the user's Spark + Kedro image that runs `spark-submit --deploy-mode cluster` with
 * the runner script and the seed's contract `run --env E --node a,b --runner=ThreadRunner`.
 */
function sparkSubmitPod(inputs: DagInputs, group: PlanGroup, nodes: string): PodView {
  const { config, manifest, configSource } = inputs;
  const k = config.spark.clusterConfig as K8sSparkSettings;
  const image = k.image ?? config.image;
  if (!image) {
    throw new InputError(
      configSource,
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
  args.push(`--pipeline=${manifest.pipeline}`, `--node=${nodes}`, "--runner=ThreadRunner");

  const pod = podView(config, manifest, group, {
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
    const need = (value: string | undefined, key: string) =>
      value ??
      (() => {
        throw new InputError(
          configSource,
          `run_config.spark.cluster_config.gke.${key}`,
          "is required to target a GKE cluster",
        );
      })();
    pod.gke = {
      projectId: need(k.gke.project_id ?? config.spark.projectId ?? undefined, "project_id"),
      location: need(k.gke.location ?? config.spark.region ?? undefined, "location"),
      clusterName: need(k.gke.cluster_name, "cluster_name"),
    };
  } else if (k.kubernetes_conn_id) {
    pod.kubernetesConnId = k.kubernetes_conn_id;
  }
  return pod;
}
