import type { RunConfig } from "../config/types";
import { buildPipelineGraph, type PipelineGraph } from "../manifest/graph";
import { baseDatasetName, type Manifest } from "../manifest/types";
import { Catalog, RULE_NUMBER, detectSparkNodes, type ReasonCode } from "./detect";
import { groupPipeline } from "./group";
import { checkLocalPathsAcrossTasks } from "./local-paths";

/** The plan: the groups (Airflow tasks) and the edges between them. */
export interface Plan {
  project: string;
  pipeline: string;
  /** Groups in a topological order; each group's nodes in topological order. */
  groups: PlanGroup[];
  /** The node-level dependencies, in topological order of their consumers. */
  edges: PlanEdge[];
  counts: PlanCounts;
  warnings: string[];
}

export interface PlanEdge {
  from: string;
  to: string;
  /** The datasets that make the dependency, as the consumer names them. */
  datasets: string[];
}

export interface PlanGroup {
  name: string;
  kind: "spark" | "default";
  nodes: string[];
  /** Names of the groups this one waits for. */
  upstream: string[];
  /** Why each Spark node, and each node pulled into a group with others, is there. */
  reasons: Record<string, PlanReason>;
}

export interface PlanReason {
  /** The seed's detection rule (1-4), or null for nodes joined by in-memory data. */
  rule: number | null;
  code: ReasonCode;
  evidence: string;
}

export interface PlanCounts {
  nodes: number;
  edges: number;
  groups: number;
  sparkJobs: number;
  /** Nodes that rules 1-3 mark as Spark nodes. */
  sparkNodes: number;
  /** Nodes that need no Spark but run inside a Spark job (sandwiched or in-memory). */
  defaultNodesInSparkGroups: number;
  /** Tasks on the longest dependency chain of the plan. */
  longestChain: number;
}

/** Where the inputs came from, for error messages. */
export interface PlanSources {
  manifest: string;
}

/**
 * Plans a pipeline: detects Spark nodes, groups nodes into tasks, orders them. Pure and
 * synchronous; throws InputError for a manifest Kedro itself would reject.
 */
export function planPipeline(
  manifest: Manifest,
  runConfig: Pick<RunConfig, "groupSparkNodes" | "spark"> &
    Partial<Pick<RunConfig, "sharedFilesystems">>,
  sources: PlanSources = { manifest: "manifest" },
): Plan {
  const graph = buildPipelineGraph(manifest, sources.manifest);
  const catalog = new Catalog(manifest.datasets, runConfig.spark.datasetTypes);
  const detected = detectSparkNodes(graph, catalog);
  const grouping = groupPipeline(graph, detected, catalog, {
    groupSparkNodes: runConfig.groupSparkNodes,
  });
  checkLocalPathsAcrossTasks(
    graph,
    grouping,
    catalog,
    manifest,
    runConfig.sharedFilesystems ?? [],
    sources.manifest,
  );

  const nodes = graph.nodes;
  const planned = grouping.groups;
  const groups = new Array<PlanGroup>(planned.length);
  // Longest chain of tasks, in the same pass: groups come in plan order.
  const depth = new Array<number>(planned.length);
  let longestChain = 0;
  let sparkJobs = 0;
  let defaultNodesInSparkGroups = 0;
  for (let g = 0; g < planned.length; g++) {
    const group = planned[g]!;
    const reasons: Record<string, PlanReason> = {};
    const names = new Array<string>(group.nodes.length);
    for (let i = 0; i < group.nodes.length; i++) {
      const v = group.nodes[i]!;
      names[i] = nodes[v]!.name;
      const reason = group.reasons.get(v);
      if (reason) reasons[names[i]!] = { rule: RULE_NUMBER[reason.code], ...reason };
      if (group.kind === "spark" && detected[v] === null) defaultNodesInSparkGroups++;
    }
    const upstream = new Array<string>(group.upstream.length);
    let chain = 1;
    for (let i = 0; i < group.upstream.length; i++) {
      const up = group.upstream[i]!;
      upstream[i] = planned[up]!.name;
      if (depth[up]! + 1 > chain) chain = depth[up]! + 1;
    }
    depth[g] = chain;
    if (chain > longestChain) longestChain = chain;
    if (group.kind === "spark") sparkJobs++;
    groups[g] = { name: group.name, kind: group.kind, nodes: names, upstream, reasons };
  }

  const warnings = [...manifest.warnings.map((w) => `exporter: ${w}`), ...grouping.warnings];
  // A free input is loadable when the catalog has it under its own or a transcoded name.
  const catalogued = graph.freeInputs.size === 0 ? null : cataloguedBaseNames(manifest);
  for (const name of [...graph.freeInputs].sort()) {
    if (!catalogued!.has(name)) {
      warnings.push(
        `dataset ${JSON.stringify(name)} is read but no node produces it and the catalog has no entry for it, so Kedro cannot load it`,
      );
    }
  }

  return {
    project: manifest.project.name,
    pipeline: manifest.pipeline,
    groups,
    edges: planEdges(graph),
    counts: {
      nodes: graph.nodes.length,
      edges: graph.edges.length,
      groups: groups.length,
      sparkJobs,
      sparkNodes: detected.filter((r) => r !== null).length,
      defaultNodesInSparkGroups,
      longestChain,
    },
    warnings,
  };
}

/** The catalog's entries by base name (`x@spark` and `x@pandas` are both `x`). */
function cataloguedBaseNames(manifest: Manifest): Set<string> {
  const names = new Set<string>();
  for (const name in manifest.datasets) names.add(baseDatasetName(name));
  return names;
}

function planEdges(graph: PipelineGraph): PlanEdge[] {
  const out = new Array<PlanEdge>(graph.edges.length);
  for (let id = 0; id < graph.edges.length; id++) {
    const e = graph.edges[id]!;
    const datasets = new Array<string>(e.datasets.length);
    for (let i = 0; i < e.datasets.length; i++) datasets[i] = e.datasets[i]!.consumed;
    out[id] = { from: graph.nodes[e.from]!.name, to: graph.nodes[e.to]!.name, datasets };
  }
  return out;
}
