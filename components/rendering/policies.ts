/**
 * Which task policy each Airflow task gets, and the operator keyword arguments that say it.
 *
 * A node's policy: the profiles its `policies.<name>` (or `policies:<name>`) tags select, with
 * `__default__` filling every key they leave unset. A group (one task) runs several nodes one
 * after another, and must not be stopped where any of its nodes would not be (docs/policies.md):
 *   retries, retry_delay, priority_weight, startup_timeout: the largest of its nodes';
 *   execution_timeout: the sum of its nodes' (each node's is its own allowance), none if any
 *     node has none;
 *   pool: the one pool its nodes' tags name; two different ones are an error naming the nodes.
 * The DAG's `default_args` carry `__default__`, so the tasks outside the plan's groups (cluster
 * create and delete, a factory's tasks) run under it; a group's task writes only what differs.
 */

import { InputError } from "../common/errors";
import { DEFAULT_POLICY, emptyPolicy, type TaskPolicy } from "../config/policies";
import type { RunConfig } from "../config/types";
import type { Manifest } from "../manifest/types";
import type { PyValue } from "./literals";

/** One keyword argument: `name=value`, or `name=timedelta(seconds=value)` for a duration. */
export interface PolicyKwarg {
  name: string;
  value: PyValue;
  duration: boolean;
  /** A factory's task takes its policy as attribute assignments on this variable. */
  target?: string;
}

/** A node's policy, with the node's name (for error messages). */
export interface NodePolicy {
  node: string;
  policy: TaskPolicy;
}

const TAG = /^policies[.:](.+)$/;

/** The profile names a node's tags select, sorted. */
export function policyTags(tags: readonly string[]): string[] {
  const names = new Set<string>();
  for (const tag of tags) {
    const match = TAG.exec(tag);
    if (match) names.add(match[1]!);
  }
  return [...names].sort();
}

/** The policy that sets nothing, for reading only. */
const EMPTY_POLICY: Readonly<TaskPolicy> = Object.freeze(emptyPolicy());

const MAX_KEYS = ["retries", "retryDelay", "priorityWeight", "startupTimeout"] as const;

/** The largest of the values that are set, or null when none is. */
function largest(values: (number | null)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v > best)) best = v;
  return best;
}

/**
 * One pool from several statements of it (null: says nothing). `describe(i)` names the i-th
 * statement in the error.
 */
function onePool(
  pools: (string | null)[],
  describe: (i: number) => string,
  source: string,
): string | null {
  let first = -1;
  for (let i = 0; i < pools.length; i++) {
    if (pools[i] === null) continue;
    if (first === -1) first = i;
    else if (pools[i] !== pools[first]) {
      throw new InputError(
        source,
        "run_config.policies",
        `${describe(first)} asks for pool ${JSON.stringify(pools[first])} and ${describe(i)} for pool ${JSON.stringify(pools[i])}, but they run in one task (expected one pool per task: give both the same pool, or drop one)`,
      );
    }
  }
  return first === -1 ? null : pools[first]!;
}

/**
 * A node's policy from its tags: several tagged profiles combine key by key (the largest
 * value; their pools must agree), then `__default__` fills what none of them sets. The pool is
 * left null unless a tag names one: the default pool comes from `default_args`.
 */
export function nodePolicy(
  node: string,
  tags: readonly string[],
  config: RunConfig,
  source: string,
): TaskPolicy {
  const names = policyTags(tags);
  const profiles = names.map((name) => {
    const profile = config.policies[name];
    if (profile === undefined) {
      const known = Object.keys(config.policies);
      throw new InputError(
        source,
        "run_config.policies",
        `has no profile ${JSON.stringify(name)}, which node ${JSON.stringify(node)} selects with its tag policies.${name} (expected one of: ${known.length ? known.join(", ") : "none are defined"})`,
      );
    }
    return profile;
  });
  const defaults = config.policies[DEFAULT_POLICY] ?? emptyPolicy();
  const out: TaskPolicy = {
    ...emptyPolicy(),
    executionTimeout: largest(profiles.map((p) => p.executionTimeout)) ?? defaults.executionTimeout,
    pool: onePool(
      profiles.map((p) => p.pool),
      (i) => `node ${JSON.stringify(node)} (tag policies.${names[i]!})`,
      source,
    ),
  };
  for (const key of MAX_KEYS) out[key] = largest(profiles.map((p) => p[key])) ?? defaults[key];
  return out;
}

/** The policy of a task that runs `nodes` (see the module comment for the rule per key). */
export function groupPolicy(nodes: readonly NodePolicy[], source: string): TaskPolicy {
  const out = emptyPolicy();
  for (const key of MAX_KEYS) out[key] = largest(nodes.map((n) => n.policy[key]));
  let total: number | null = 0;
  for (const n of nodes) {
    const t = n.policy.executionTimeout;
    total = total === null || t === null ? null : total + t;
  }
  out.executionTimeout = nodes.length === 0 ? null : total;
  out.pool = onePool(
    nodes.map((n) => n.policy.pool),
    (i) => `node ${JSON.stringify(nodes[i]!.node)}`,
    source,
  );
  return out;
}

/** The Airflow name of each key, and whether its value is a duration. Checked against
 * BaseOperator.__init__ (airflow/models/baseoperator.py in 2.11, airflow/sdk/bases/operator.py
 * in 3.x: retries, retry_delay, execution_timeout, pool, priority_weight) and
 * KubernetesPodOperator.__init__ (providers/cncf/kubernetes/operators/pod.py:
 * startup_timeout_seconds, an int of seconds). */
const AIRFLOW_NAMES: [keyof TaskPolicy, string, boolean][] = [
  ["retries", "retries", false],
  ["retryDelay", "retry_delay", true],
  ["executionTimeout", "execution_timeout", true],
  ["pool", "pool", false],
  ["priorityWeight", "priority_weight", false],
];

/** The DAG's `default_args` from `__default__` (startup_timeout goes on each pod instead). */
export function defaultArgs(config: RunConfig): PolicyKwarg[] {
  const defaults = config.policies[DEFAULT_POLICY] ?? EMPTY_POLICY;
  return AIRFLOW_NAMES.flatMap(([key, name, duration]) =>
    defaults[key] === null ? [] : [{ name, value: defaults[key], duration }],
  );
}

/** What a group's task must say beyond `default_args`; pods also get their startup timeout. */
export function taskKwargs(group: TaskPolicy, config: RunConfig, pod: boolean): PolicyKwarg[] {
  const defaults = config.policies[DEFAULT_POLICY] ?? EMPTY_POLICY;
  // A plain indexed loop with no destructuring, once per task: a flatMap made five arrays per
  // task, and destructuring allocates like a for...of (docs/performance.md, sixth round).
  const out: PolicyKwarg[] = [];
  for (let i = 0; i < AIRFLOW_NAMES.length; i++) {
    const entry = AIRFLOW_NAMES[i]!;
    const key = entry[0];
    const value = group[key];
    if (value !== null && value !== defaults[key]) {
      out.push({ name: entry[1], value, duration: entry[2] });
    }
  }
  if (pod && group.startupTimeout !== null) {
    out.push({ name: "startup_timeout_seconds", value: group.startupTimeout, duration: false });
  }
  return out;
}

/** Whether a tag list holds a `policies.<name>` tag (what policyTags would find). */
function hasPolicyTag(tags: readonly string[]): boolean {
  for (let i = 0; i < tags.length; i++) {
    if (tags[i]!.startsWith("policies") && TAG.test(tags[i]!)) return true;
  }
  return false;
}

/**
 * The policy of a group all of whose nodes have `shared`, the policy of an untagged node: the
 * same value as groupPolicy over n copies of it, without a list of n node policies.
 */
function uniformGroupPolicy(shared: TaskPolicy, n: number): TaskPolicy {
  const out = emptyPolicy();
  if (n === 0) return out;
  for (const key of MAX_KEYS) out[key] = shared[key];
  const t = shared.executionTimeout;
  let total: number | null = t === null ? null : 0;
  if (total !== null) for (let i = 0; i < n; i++) total += t!;
  out.executionTimeout = total;
  out.pool = shared.pool;
  return out;
}

/**
 * The policy of each group's task, by the nodes it runs. Most nodes carry no policy tag, and
 * all of those have one policy (`__default__`'s): a group made only of them needs no per-node
 * work (with no policies configured this was 5 % of a 10,000-node compile). The policies are
 * read-only: groups of untagged nodes of one size share one.
 */
export function groupPolicies(
  groups: readonly { nodes: readonly string[] }[],
  manifest: Manifest,
  config: RunConfig,
  source: string,
): TaskPolicy[] {
  // Only the nodes with a policy tag (node names are unique: manifest/graph.ts checks).
  const tagged = new Map<string, readonly string[]>();
  const nodes = manifest.nodes;
  for (let i = 0; i < nodes.length; i++) {
    if (hasPolicyTag(nodes[i]!.tags)) tagged.set(nodes[i]!.name, nodes[i]!.tags);
  }
  const shared = nodePolicy("", [], config, source);
  const cache = new Map<string, TaskPolicy>();
  const policyOfNode = (node: string): TaskPolicy => {
    const tags = tagged.get(node);
    if (tags === undefined) return shared;
    let policy = cache.get(node);
    if (policy === undefined) {
      policy = nodePolicy(node, tags, config, source);
      cache.set(node, policy);
    }
    return policy;
  };
  // Groups of untagged nodes differ only by their size: one policy per size.
  const uniform = new Map<number, TaskPolicy>();
  return groups.map((group) => {
    if (tagged.size === 0 || !group.nodes.some((node) => tagged.has(node))) {
      const n = group.nodes.length;
      let policy = uniform.get(n);
      if (policy === undefined) uniform.set(n, (policy = uniformGroupPolicy(shared, n)));
      return policy;
    }
    return groupPolicy(
      group.nodes.map((node) => ({ node, policy: policyOfNode(node) })),
      source,
    );
  });
}
