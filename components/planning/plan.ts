import type { RunConfig } from "../config/types";
import { buildPipelineGraph } from "../manifest/graph";
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

  const nodeName = (v: number) => graph.nodes[v]!.name;
  const groups: PlanGroup[] = grouping.groups.map((group) => {
    const reasons: Record<string, PlanReason> = {};
    for (const v of group.nodes) {
      const reason = group.reasons.get(v);
      if (reason) reasons[nodeName(v)] = { rule: RULE_NUMBER[reason.code], ...reason };
    }
    return {
      name: group.name,
      kind: group.kind,
      nodes: group.nodes.map(nodeName),
      upstream: group.upstream.map((g) => grouping.groups[g]!.name),
      reasons,
    };
  });

  // Longest chain of tasks: one pass in plan order.
  const depth = grouping.groups.map(() => 1);
  grouping.groups.forEach((group, g) => {
    for (const up of group.upstream) depth[g] = Math.max(depth[g]!, depth[up]! + 1);
  });

  const sparkGroups = grouping.groups.filter((g) => g.kind === "spark");
  const warnings = [...manifest.warnings.map((w) => `exporter: ${w}`), ...grouping.warnings];
  // A free input is loadable when the catalog has it under its own or a transcoded name.
  const catalogued = new Set(Object.keys(manifest.datasets).map(baseDatasetName));
  for (const name of [...graph.freeInputs].sort()) {
    if (!catalogued.has(name)) {
      warnings.push(
        `dataset ${JSON.stringify(name)} is read but no node produces it and the catalog has no entry for it, so Kedro cannot load it`,
      );
    }
  }

  return {
    project: manifest.project.name,
    pipeline: manifest.pipeline,
    groups,
    edges: graph.edges.map((e) => ({
      from: nodeName(e.from),
      to: nodeName(e.to),
      datasets: e.datasets.map((d) => d.consumed),
    })),
    counts: {
      nodes: graph.nodes.length,
      edges: graph.edges.length,
      groups: groups.length,
      sparkJobs: sparkGroups.length,
      sparkNodes: detected.filter((r) => r !== null).length,
      defaultNodesInSparkGroups: sparkGroups.reduce(
        (sum, g) => sum + g.nodes.filter((v) => detected[v] === null).length,
        0,
      ),
      longestChain: depth.reduce((m, d) => Math.max(m, d), 0),
    },
    warnings,
  };
}
