import { InputError } from "../common/errors";
import type { ResourceProfile, RunConfig } from "../config/types";
import type { Manifest } from "../manifest/types";
import type { PlanGroup } from "../planning/plan";
import { joinNodeNames } from "./kedro-args";
import type { PyValue } from "./literals";
import type { PolicyKwarg } from "./policies";

/**
 * The tasks of a DAG as data, shared by dag.ts and the Spark backends (backends/). The one
 * template (templates/dag.py.hbs) writes them; every value goes through the `py` helper.
 */

/** One keyword argument, written `name=<Python literal of value>`. */
export interface Kwarg {
  name: string;
  value: PyValue;
}

/** The fixed import blocks of the DAG file (the template writes each, in its order, once). */
export type ImportKey =
  | "hashlib"
  | "empty"
  | "pod"
  | "secret"
  | "gke"
  | "dataproc"
  | "batch"
  | "k8sModels"
  | "timedelta"
  | "asset";

export interface TaskView {
  /** The Python variable holding the operator. */
  var: string;
  taskId: string;
  /** Written as `doc_md=` after task_id; null writes none. */
  docMd: string | null;
  /** What the task is: a pod (the pod arguments below), an operator call, or a factory's text. */
  pod?: PodView;
  /** The class of an operator call (imported by one of the ImportKey blocks). */
  operator?: string;
  custom?: string;
  /**
   * Keyword arguments after the task's own (an operator's are all here), in this order; for a
   * factory's text there are none. Per-task settings (retries, pool, ...) are more of these.
   */
  kwargs: Kwarg[];
  /** The variable of the TaskGroup the task is in; absent at the top level. */
  taskGroup?: string;
  /** The task policy of a group's task beyond the DAG's default_args (rendering/policies.ts). */
  policy?: PolicyKwarg[];
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
  /**
   * Pods with the same key have the same settings besides `arguments` and
   * `templatedArguments`, so their settings are rendered once (compile.ts). Set by the DAG
   * view for its own pods (one key per resources profile), which nothing changes afterwards;
   * a backend's pods, which it edits, have none.
   */
  settingsKey?: object;
}

export interface Edge {
  from: string;
  to: string;
}

/** An operator task: `var = operator(task_id=..., [doc_md=...,] kwargs...)`. */
export function operatorTask(
  v: string,
  taskId: string,
  docMd: string | null,
  operator: string,
  kwargs: Record<string, PyValue>,
): TaskView {
  return {
    var: v,
    taskId,
    docMd,
    operator,
    kwargs: Object.entries(kwargs).map(([name, value]) => ({ name, value })),
  };
}

export function nonEmptyList<T>(list: T[]): T[] | null {
  return list.length > 0 ? list : null;
}

/** The `--nodes` value of a group; a node name Kedro cannot take back is the manifest's error. */
export function nodesArgument(
  group: PlanGroup,
  manifest: Manifest,
  manifestSource: string,
): string {
  const joined = joinNodeNames(group.nodes);
  if (joined !== null) return joined;
  const bad =
    group.nodes.find((n) => joinNodeNames([n]) === null || n.includes(",")) ?? group.nodes[0]!;
  throw new InputError(
    manifestSource,
    `nodes[${manifest.nodes.findIndex((n) => n.name === bad)}].name`,
    `node name ${JSON.stringify(bad)} cannot be passed through Kedro's --nodes (a comma outside square brackets, or unbalanced brackets); rename the node`,
  );
}

export function groupDoc(group: PlanGroup): string {
  // One string built in place: this runs for every node of the plan.
  let doc = `**${group.kind === "spark" ? "Spark job" : "Pod"}** running ${group.nodes.length} Kedro node(s):\n`;
  for (let i = 0; i < group.nodes.length; i++) {
    const node = group.nodes[i]!;
    const reason = group.reasons[node];
    doc += `\n- \`${noBackticks(node)}\``;
    if (reason) doc += `: ${reason.code}, ${noBackticks(reason.evidence)}`;
  }
  return doc;
}

/** Backticks as `'`, so a name cannot end the Markdown code span it is written in. */
function noBackticks(text: string): string {
  return text.includes("`") ? text.replace(/`/g, "'") : text;
}

/** The `resources:<name>` profile names each node's tags select, for the nodes that have any. */
const resourceTagIndexes = new WeakMap<Manifest, Map<string, string[]>>();

/**
 * Node name -> its resources profile names, built once per manifest and holding only the nodes
 * with such a tag (most have none), so a group's lookup costs no walk over every node's tags.
 */
function resourceTagIndex(manifest: Manifest): Map<string, string[]> {
  let index = resourceTagIndexes.get(manifest);
  if (index === undefined) {
    index = new Map();
    const nodes = manifest.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      let names: string[] | null = null;
      // `resources:<name>` is the seed's tag; Kedro 0.19+ allows no colon, so `resources.<name>` too.
      for (let j = 0; j < node.tags.length; j++) {
        const tag = node.tags[j]!;
        if (tag.startsWith("resources:") || tag.startsWith("resources.")) {
          (names ??= []).push(tag.slice(10));
        }
      }
      // Node names are unique (manifest/graph.ts refuses a duplicate before any plan).
      if (names !== null) index.set(node.name, names);
    }
    resourceTagIndexes.set(manifest, index);
  }
  return index;
}

/**
 * The resources profile of a group: a `resources:<name>` (or `resources.<name>`) tag of its
 * nodes, the first by name when they differ, else `__default__`.
 */
export function profileOf(
  config: RunConfig,
  group: PlanGroup,
  manifest: Manifest,
): ResourceProfile | null {
  // No profiles configured (the usual case): whatever the tags, there is none to find.
  if (!hasProfiles(config)) return null;
  const index = resourceTagIndex(manifest);
  let tags: Set<string> | null = null;
  if (index.size > 0) {
    for (let i = 0; i < group.nodes.length; i++) {
      const names = index.get(group.nodes[i]!);
      if (names === undefined) continue;
      tags ??= new Set();
      for (let j = 0; j < names.length; j++) tags.add(names[j]!);
    }
  }
  if (tags !== null) {
    for (const name of [...tags].sort()) {
      const profile = config.resources[name];
      if (profile) return profile;
    }
  }
  return config.resources["__default__"] ?? null;
}

function hasProfiles(config: RunConfig): boolean {
  for (const name in config.resources) if (Object.hasOwn(config.resources, name)) return true;
  return false;
}

/** A request or limit without its unset quantities. */
function quantities(
  q: { cpu: string | null; memory: string | null } | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (q?.cpu != null) out["cpu"] = q.cpu;
  if (q?.memory != null) out["memory"] = q.memory;
  return out;
}

function nonEmpty<T extends object>(o: T | undefined): T | null {
  return o && Object.keys(o).length > 0 ? o : null;
}

/** A pod of the run config's settings and the group's resources profile. */
export function podView(
  config: RunConfig,
  manifest: Manifest,
  group: PlanGroup,
  what: { image: string; cmds: string[]; arguments: string[] },
  profile: ResourceProfile | null = profileOf(config, group, manifest),
): PodView {
  const pod: PodView = {
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
    secrets: config.secrets.length === 0 ? [] : config.secrets.map((s) => ({ ...s })),
    serviceAccountName: config.serviceAccountName,
    imagePullSecrets: config.imagePullSecrets,
    resources: null,
    nodeSelector: null,
    tolerations: [],
    labels: null,
    annotations: null,
  };
  // Without a profile (no resources configured) the fields above are already right.
  if (profile !== null) {
    const requests = quantities(profile.requests);
    const limits = quantities(profile.limits);
    if (Object.keys(requests).length + Object.keys(limits).length > 0) {
      pod.resources = { requests, limits };
    }
    pod.nodeSelector = nonEmpty(profile.nodeSelectors);
    pod.tolerations = profile.tolerations;
    pod.labels = nonEmpty(profile.labels);
    pod.annotations = nonEmpty(profile.annotations);
  }
  return pod;
}
