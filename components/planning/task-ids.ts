import { sha256Hex } from "../common/sha256";

/**
 * Group names, which are also the Airflow task ids, the run script stems and the base of
 * Serverless batch ids. A name is a function of the group's own contents only (its kind, its
 * nodes and the edges between them), never of its position in the plan or of other groups:
 * Airflow keys task history by task id, so a name that shifted when an unrelated node was
 * added, removed or renamed would cut that history.
 */

/** Airflow's ID_LEN (airflow/models/base.py); task ids are checked against `^[\w.-]+$`. */
export const MAX_TASK_ID = 250;

/** What a Spark group's name starts with: the seed's `pyspark` group, then its first node. */
export const SPARK_PREFIX = "pyspark_";

/**
 * Ids of the tasks the DAG adds around the Spark jobs. Reserved whatever the backend, so that
 * switching backends renames no group.
 */
export const RESERVED_TASK_IDS: readonly string[] = [
  "create_spark_cluster",
  "delete_spark_cluster",
  "spark_jobs_succeeded",
];

/** Hex digits of SHA-256 in a hashed name. */
export const NAME_HASH_LENGTH = 8;

const HASHED = new RegExp(`__[0-9a-f]{${NAME_HASH_LENGTH}}$`);
/** ASCII only (Airflow's `\w` would take more, file and object names may not); no leading `.`/`-`. */
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * A group's name from its kind and its first node. The candidate is the first node's name,
 * with `pyspark_` in front for a Spark group. It is used as it is when it is a plain task id:
 * ASCII letters, digits, `_`, `.`, `-`, not starting with `.` or `-`, at most 250 characters,
 * not ending in `__` + 8 hex digits, not a reserved id, and, for a pod group, not starting with
 * `pyspark_`. Otherwise the name is the candidate sanitised (other runs of characters become
 * `_`), cut, then `__` and 8 hex digits of SHA-256 of the kind and the candidate.
 *
 * Why names never clash, with no look at other groups: plain Spark names start with
 * `pyspark_` and plain pod names do not; a plain name never ends like a hashed one; reserved
 * ids are neither; node names are unique, so two groups of one kind have different first
 * nodes; hashed names differ unless SHA-256 collides on 32 bits (the planner checks).
 */
export function groupName(kind: "spark" | "default", firstNode: string): string {
  const candidate = kind === "spark" ? `${SPARK_PREFIX}${firstNode}` : firstNode;
  const plain =
    PLAIN.test(candidate) &&
    candidate.length <= MAX_TASK_ID &&
    !HASHED.test(candidate) &&
    !RESERVED_TASK_IDS.includes(candidate) &&
    (kind === "spark" || !candidate.startsWith(SPARK_PREFIX));
  if (plain) return candidate;
  let stem = candidate.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[.-]+/, "");
  if (stem === "") stem = kind === "spark" ? "pyspark" : "task";
  const hash = sha256Hex(`${kind}\n${candidate}`).slice(0, NAME_HASH_LENGTH);
  return `${stem.slice(0, MAX_TASK_ID - NAME_HASH_LENGTH - 2)}__${hash}`;
}

/**
 * The node a group is named after: of the group's nodes that no other node of the group
 * feeds, the first by name (JavaScript string order). It depends only on the group's nodes and the
 * edges between them, not on where the plan's global order puts them, which other nodes can
 * shift.
 */
export function firstNodeOf(names: readonly string[], fedInside: readonly boolean[]): string {
  let best: string | null = null;
  names.forEach((name, i) => {
    if (!fedInside[i] && (best === null || name < best)) best = name;
  });
  // A group is acyclic inside, so some node has no feeder in it.
  if (best === null) throw new Error("internal error: a group with no first node");
  return best;
}
