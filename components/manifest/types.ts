/**
 * Manifest v1: the facts the Python exporter reports about one Kedro pipeline.
 * The JSON Schema in docs/manifest.schema.json is the contract; these are its
 * normalised TypeScript shapes (every optional field filled with its default).
 */

export interface Manifest {
  schemaVersion: 1;
  project: ProjectInfo;
  /** The registered pipeline, `__default__` unless the exporter was told otherwise. */
  pipeline: string;
  /** The Kedro config environment the catalog was resolved in; null means Kedro's default. */
  env: string | null;
  /** Nodes in the order the exporter wrote them (Kedro's topological order). */
  nodes: ManifestNode[];
  /** Catalog entries by full (transcoded) name. A dataset absent here lives in memory. */
  datasets: Record<string, DatasetInfo>;
  warnings: string[];
  /**
   * The `run_config` mapping as the project's Kedro config loader resolved `airflow-k8s*` in
   * `env` (base, then the env) at export time; null when no such file existed. Validated only
   * when used, against docs/run-config.schema.json; an explicit run config wins over it.
   */
  runConfig: Record<string, unknown> | null;
}

export interface ProjectInfo {
  name: string;
  package: string | null;
  kedroVersion: string | null;
}

export interface ManifestNode {
  /** The node name exactly as Kedro knows it (namespace included). */
  name: string;
  func: string | null;
  namespace: string | null;
  /** Dataset names, parameters (`params:x`, `parameters`) included. */
  inputs: string[];
  outputs: string[];
  tags: string[];
  /** Qualified class names in the parameter annotations (generics flattened). */
  inputTypes: string[];
  /** Qualified class names in the return annotation (generics flattened). */
  outputTypes: string[];
}

export interface DatasetInfo {
  /** The `type` as written in the catalog, e.g. `spark.SparkDataset`. */
  type: string;
  /** The resolved class, then its bases, qualified. Empty when the exporter could not resolve it. */
  classes: string[];
  /** Where its data lives; null when the entry names no path (or an older exporter wrote it). */
  location?: DatasetLocation | null;
}

/** A dataset's `filepath` (else `path`, else `table`) as configured, and what kind of place it is. */
export interface DatasetLocation {
  key: "filepath" | "path" | "table";
  path: string;
  /** fsspec's protocol (`file` for a bare path), null for a table. */
  protocol: string | null;
  /** On the file system of the process that opens it: another task cannot see it. */
  local: boolean;
  /** Local and relative to the project folder. */
  relative: boolean;
}

/** `params:x` and `parameters` feed a node but are not datasets: they never make an edge. */
export function isParameter(name: string): boolean {
  return name === "parameters" || name.startsWith("params:");
}

/** Transcoded names `ds@spark` and `ds@pandas` are one dataset for ordering. */
export function baseDatasetName(name: string): string {
  const at = name.indexOf("@");
  return at === -1 ? name : name.slice(0, at);
}
