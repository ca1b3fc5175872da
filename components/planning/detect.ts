import type { PipelineGraph } from "../manifest/graph";
import type { DatasetInfo, ManifestNode } from "../manifest/types";

/** Why a node runs inside a Spark group. Codes follow the seed's detection rules. */
export type ReasonCode =
  | "tag" //          rule 1: the node carries the pyspark group tag
  | "type-hint" //    rule 2: a parameter or return annotation is a PySpark DataFrame
  | "spark-dataset" // rule 3: an input or output is a Spark dataset in the catalog
  | "sandwiched" //   rule 4: the node lies on a path that leaves its Spark group and comes back
  | "in-memory"; //   its data is never persisted, so it must share a process with its partner

export interface Reason {
  code: ReasonCode;
  /** The facts behind the decision, for a person to check, e.g. the dataset and its class. */
  evidence: string;
}

export const RULE_NUMBER: Record<ReasonCode, number | null> = {
  tag: 1,
  "type-hint": 2,
  "spark-dataset": 3,
  sandwiched: 4,
  "in-memory": null,
};

/** The seed's tag. Kedro 0.19 and 1.x allow only letters, digits, `_`, `-` and `.` in tags... */
export const SPARK_TAG = "kedro-airflow-k8s:group:pyspark";
/** ...so a project on those lines writes it with dots. Both spellings mark a Spark node. */
export const SPARK_TAG_DOTTED = "kedro-airflow-k8s.group.pyspark";

/** Qualified names of the PySpark DataFrame classes (classic, Connect, 4.x, pandas-on-Spark). */
export const SPARK_DATAFRAME_CLASSES: ReadonlySet<string> = new Set([
  "pyspark.sql.dataframe.DataFrame",
  "pyspark.sql.DataFrame",
  "pyspark.sql.connect.dataframe.DataFrame",
  "pyspark.sql.classic.dataframe.DataFrame",
  "pyspark.pandas.frame.DataFrame",
]);

/**
 * Spark dataset classes by the kedro-datasets package that holds them. A class matches when
 * it sits in that package under one of DATASET_ROOTS (or is written relative to it, as catalog
 * `type` strings are), so `spark.DeltaTableDataset` is Spark and `pandas.DeltaTableDataset` not.
 */
const SPARK_DATASETS_BY_PACKAGE: Readonly<Record<string, ReadonlySet<string>>> = {
  spark: new Set([
    "SparkDataset",
    "SparkDataSet",
    "SparkDatasetV2",
    "SparkHiveDataset",
    "SparkHiveDataSet",
    "SparkJDBCDataset",
    "SparkJDBCDataSet",
    "SparkStreamingDataset",
    "SparkStreamingDataSet",
    "DeltaTableDataset",
    "DeltaTableDataSet",
    "GBQQueryDataset",
    "GBQQueryDataSet",
  ]),
  databricks: new Set(["ManagedTableDataset", "ManagedTableDataSet", "ExternalTableDataset"]),
};
const DATASET_ROOTS = ["kedro_datasets.", "kedro_datasets_experimental.", "kedro.extras.datasets."];

const MEMORY_DATASETS: ReadonlySet<string> = new Set([
  "MemoryDataset",
  "MemoryDataSet",
  "SharedMemoryDataset",
  "SharedMemoryDataSet",
]);

function lastSegment(qualified: string): string {
  return qualified.slice(qualified.lastIndexOf(".") + 1);
}

function isKnownSparkDatasetClass(qualified: string): boolean {
  const root = DATASET_ROOTS.find((r) => qualified.startsWith(r));
  const relative = root ? qualified.slice(root.length) : qualified;
  const pkg = relative.slice(0, relative.indexOf("."));
  return SPARK_DATASETS_BY_PACKAGE[pkg]?.has(lastSegment(qualified)) ?? false;
}

/** What the planner asks of a dataset name. */
interface DatasetFacts {
  sparkClass: string | null;
  inMemory: boolean;
}

/** A name the catalog does not list: Kedro makes it a MemoryDataset. */
const UNCATALOGUED: DatasetFacts = { sparkClass: null, inMemory: true };

/** Decides, from catalog facts alone, what kind of storage a dataset name is. */
export class Catalog {
  private readonly userTypes: readonly string[];

  constructor(
    private readonly datasets: Readonly<Record<string, DatasetInfo>>,
    userDatasetTypes: readonly string[] = [],
  ) {
    this.userTypes = userDatasetTypes;
    // Every catalog entry's facts up front, keyed by the catalog's own name strings: looking a
    // name up in the catalog object costs a string-table probe per new string, far more than
    // building this map (the keys are interned, their hashes known).
    const names = Object.keys(datasets);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const info = datasets[name]!;
      this.facts.set(name, {
        sparkClass: this.sparkClassOfEntry(info),
        inMemory: this.isMemoryEntry(info),
      });
    }
  }

  // Each dataset name is asked about once per node that reads or writes it, and by several
  // steps: the facts of a name are gathered on its first question and kept in one map, so
  // every later question is one lookup and allocates nothing.
  private readonly facts = new Map<string, DatasetFacts>();

  private factsOf(name: string): DatasetFacts {
    return this.facts.get(name) ?? UNCATALOGUED;
  }

  /** The class (or configured type) that makes `name` a Spark dataset, or null. */
  sparkClassOf(name: string): string | null {
    return this.factsOf(name).sparkClass;
  }

  /** True when data written under `name` does not outlive the process that wrote it. */
  isInMemory(name: string): boolean {
    return this.factsOf(name).inMemory;
  }

  private sparkClassOfEntry(info: DatasetInfo): string | null {
    const classes = info.classes;
    for (let i = 0; i < classes.length; i++) if (this.isSparkClass(classes[i]!)) return classes[i]!;
    return this.isSparkClass(info.type) ? info.type : null;
  }

  private isMemoryEntry(info: DatasetInfo): boolean {
    if (this.isMemoryClass(info.type)) return true;
    const classes = info.classes;
    for (let i = 0; i < classes.length; i++) if (this.isMemoryClass(classes[i]!)) return true;
    return false;
  }

  // Thousands of datasets share a handful of classes: each class string is judged once.
  private readonly sparkClassNames = new Map<string, boolean>();
  private readonly memoryClassNames = new Map<string, boolean>();

  private isSparkClass(cls: string): boolean {
    let answer = this.sparkClassNames.get(cls);
    if (answer === undefined) {
      answer =
        isKnownSparkDatasetClass(cls) ||
        this.userTypes.some((user) =>
          user.includes(".") ? cls === user : lastSegment(cls) === user,
        );
      this.sparkClassNames.set(cls, answer);
    }
    return answer;
  }

  private isMemoryClass(cls: string): boolean {
    let answer = this.memoryClassNames.get(cls);
    if (answer === undefined) {
      answer = MEMORY_DATASETS.has(lastSegment(cls));
      this.memoryClassNames.set(cls, answer);
    }
    return answer;
  }

  has(name: string): boolean {
    return this.datasets[name] !== undefined;
  }

  typeOf(name: string): string | null {
    return this.datasets[name]?.type ?? null;
  }
}

/** Rules 1-3, in the seed's order; rule 4 needs the grouping and is decided there. */
export function detectSparkNode(node: ManifestNode, catalog: Catalog): Reason | null {
  // No closures or tuples: this runs once per node in a cold CLI process.
  // Indexed loops: unoptimised, a for...of allocates per step (docs/performance.md, sixth round).
  const tags = node.tags;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i]!;
    if (tag === SPARK_TAG || tag === SPARK_TAG_DOTTED) {
      return { code: "tag", evidence: `tagged ${tag}` };
    }
  }
  const inputTypes = node.inputTypes;
  for (let i = 0; i < inputTypes.length; i++) {
    const hinted = inputTypes[i]!;
    if (SPARK_DATAFRAME_CLASSES.has(hinted)) {
      return { code: "type-hint", evidence: `a parameter is annotated with ${hinted}` };
    }
  }
  const outputTypes = node.outputTypes;
  for (let i = 0; i < outputTypes.length; i++) {
    const returned = outputTypes[i]!;
    if (SPARK_DATAFRAME_CLASSES.has(returned)) {
      return { code: "type-hint", evidence: `the return value is annotated with ${returned}` };
    }
  }
  return (
    sparkDatasetReason("input", node.inputs, catalog) ??
    sparkDatasetReason("output", node.outputs, catalog)
  );
}

function sparkDatasetReason(
  side: "input" | "output",
  names: readonly string[],
  catalog: Catalog,
): Reason | null {
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const cls = catalog.sparkClassOf(name);
    if (cls !== null) {
      const type = catalog.typeOf(name);
      const via = type !== null && type !== cls ? `${type}, a ${cls}` : cls;
      return { code: "spark-dataset", evidence: `${side} ${JSON.stringify(name)} is a ${via}` };
    }
  }
  return null;
}

/** Detection for every node of the graph, by node id; null for default nodes. */
export function detectSparkNodes(graph: PipelineGraph, catalog: Catalog): (Reason | null)[] {
  const nodes = graph.nodes;
  const out = new Array<Reason | null>(nodes.length);
  for (let v = 0; v < nodes.length; v++) out[v] = detectSparkNode(nodes[v]!, catalog);
  return out;
}
