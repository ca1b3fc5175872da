import type { SparkBackend } from "../config/types";
import { clusterWindow } from "./cluster-window";
import type { Plan } from "./plan";

/** The plan as `--json` prints it: the documented keys first, deterministic key order. */
export function planToJson(plan: Plan): string {
  const doc = {
    groups: plan.groups.map((g) => ({
      name: g.name,
      kind: g.kind,
      nodes: g.nodes,
      upstream: g.upstream,
      reasons: g.reasons,
    })),
    project: plan.project,
    pipeline: plan.pipeline,
    edges: plan.edges,
    counts: plan.counts,
    warnings: plan.warnings,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * A readable listing: each group, its kind, what it waits for, its nodes and why; `source`
 * (which run config was used) goes under the title; with the Spark backend, what the Spark
 * jobs cost besides themselves (a Dataproc cluster's window and the tasks it may idle through).
 */
export function planToText(plan: Plan, source?: string, backend?: SparkBackend | null): string {
  const lines: string[] = [];
  const c = plan.counts;
  lines.push(`Plan for ${plan.project}, pipeline ${plan.pipeline}`);
  if (source !== undefined) lines.push(source);
  lines.push("");
  for (const group of plan.groups) {
    const waits = group.upstream.length === 0 ? "nothing" : group.upstream.join(", ");
    lines.push(`${group.name}  [${group.kind}]  waits for: ${waits}`);
    for (const node of group.nodes) {
      const reason = group.reasons[node];
      if (reason === undefined) {
        lines.push(`  - ${node}`);
      } else {
        const rule = reason.rule === null ? reason.code : `rule ${reason.rule}, ${reason.code}`;
        lines.push(`  - ${node}  (${rule}: ${reason.evidence})`);
      }
    }
  }
  lines.push("");
  const pods = c.groups - c.sparkJobs;
  lines.push(
    `${count(c.nodes, "node")}, ${count(c.edges, "edge")} -> ${count(c.groups, "task")} ` +
      `(${count(c.sparkJobs, "Spark job")}, ${count(pods, "pod")}); ${count(c.sparkNodes, "Spark node")}, ` +
      `${count(c.defaultNodesInSparkGroups, "default node")} inside Spark jobs; longest chain ${count(c.longestChain, "task")}`,
  );
  if (backend !== undefined && c.sparkJobs > 0) lines.push(backendLine(plan, backend));
  return `${lines.join("\n")}\n`;
}

/** At most this many names in a one-line list. */
const LISTED = 5;

function listed(names: string[]): string {
  const shown = names.slice(0, LISTED).join(", ");
  return names.length > LISTED ? `${shown}, ... (${names.length - LISTED} more)` : shown;
}

/** One line on the cost of the Spark backend beyond the jobs themselves. */
function backendLine(plan: Plan, backend: SparkBackend | null): string {
  switch (backend) {
    case "dataproc": {
      const window = clusterWindow(plan)!;
      const after =
        window.createAfter.length === 0
          ? "at the start of the run"
          : `after ${listed(window.createAfter)}`;
      const idle =
        window.idleTasks.length === 0
          ? "no pod runs while it waits"
          : `up to ${count(window.idleTasks.length, "pod")} may run while it waits for them: ${listed(window.idleTasks)}`;
      return `dataproc: one cluster per run, created ${after}, deleted after the last Spark job; ${idle}`;
    }
    case "dataproc-serverless":
      return "dataproc-serverless: one batch per Spark job, no cluster to sit idle";
    case "kubernetes":
      return "kubernetes: one driver per Spark job, no cluster to sit idle";
    case "custom":
      return "custom: the factory's cluster tasks, if any, are as the factory writes them";
    case null:
      return "no Spark backend: run_config.spark.type is not set (needed to compile)";
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Mermaid escapes quotes and angle brackets as entity codes inside quoted labels. */
function mermaidLabel(text: string): string {
  const escaped = text
    .replace(/&/g, "#amp;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;");
  return `"${escaped}"`;
}

/**
 * A Mermaid flowchart of the grouped graph: Spark groups (and default groups of several
 * nodes) as subgraphs holding their nodes and the edges between them; the edges between
 * groups as arrows between the subgraphs. Ids are generated, so any name is safe.
 */
export function planToMermaid(plan: Plan): string {
  const lines = ["flowchart TD"];
  const nodeId = new Map<string, string>();
  const groupOf = new Map<string, number>();
  plan.groups.forEach((group, g) => {
    group.nodes.forEach((node) => {
      nodeId.set(node, `n${nodeId.size}`);
      groupOf.set(node, g);
    });
  });
  plan.groups.forEach((group, g) => {
    const nested = group.kind === "spark" || group.nodes.length > 1;
    if (!nested) {
      lines.push(`  g${g}[${mermaidLabel(group.name)}]:::podNode`);
      return;
    }
    lines.push(`  subgraph g${g} [${mermaidLabel(`${group.name} (${group.kind})`)}]`);
    for (const node of group.nodes) {
      const pulledIn =
        group.kind === "spark" &&
        group.reasons[node] !== undefined &&
        (group.reasons[node]!.code === "sandwiched" || group.reasons[node]!.code === "in-memory");
      lines.push(
        `    ${nodeId.get(node)}[${mermaidLabel(node)}]:::${pulledIn ? "pulledNode" : group.kind === "spark" ? "sparkNode" : "podNode"}`,
      );
    }
    for (const { from, to } of plan.edges) {
      if (groupOf.get(from) === g && groupOf.get(to) === g) {
        lines.push(`    ${nodeId.get(from)} --> ${nodeId.get(to)}`);
      }
    }
    lines.push("  end");
    lines.push(`  class g${g} ${group.kind}Group`);
  });
  const groupIndex = new Map(plan.groups.map((group, g) => [group.name, g]));
  plan.groups.forEach((group, g) => {
    for (const up of group.upstream) lines.push(`  g${groupIndex.get(up)} --> g${g}`);
  });
  lines.push("  classDef sparkNode fill:#ffe0b2,stroke:#e65100");
  lines.push("  classDef pulledNode fill:#fff8e1,stroke:#e65100,stroke-dasharray: 4 3");
  lines.push("  classDef podNode fill:#e3f2fd,stroke:#1565c0");
  lines.push("  classDef sparkGroup fill:#fff3e0,stroke:#e65100");
  lines.push("  classDef defaultGroup fill:#f5f9ff,stroke:#1565c0");
  return `${lines.join("\n")}\n`;
}
