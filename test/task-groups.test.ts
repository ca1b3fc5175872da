/**
 * TaskGroups from Kedro namespaces (components/rendering/task-groups.ts): the tree, the ids,
 * and, over random namespaced pipelines planned for real, the rules that hold for every input,
 * checked by a checker below that shares no code with the module.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { normaliseRunConfig } from "../components/config/load";
import { loadManifestFile, normaliseManifest } from "../components/manifest/load";
import type { Manifest } from "../components/manifest/types";
import { planPipeline, type Plan } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";
import { buildDagView } from "../components/rendering/dag";
import { loadFactory } from "../components/rendering/load-factory";
import {
  MAX_GROUP_ID,
  commonNamespace,
  groupKeyBase,
  planTaskGroups,
} from "../components/rendering/task-groups";
import { cli } from "./helpers/cli";

const FIXTURE = path.join(__dirname, "fixtures", "compile", "namespaces.manifest.json");

const planOf = (manifest: Manifest) =>
  planPipeline(manifest, normaliseRunConfig({ run_config: {} }, "c.yaml"));

function dagView(manifest: Manifest, plan: Plan, taskGroups: boolean) {
  const config = normaliseRunConfig(
    { run_config: { image: "img", task_groups: taskGroups, spark: { type: "kubernetes" } } },
    "c.yaml",
  );
  return buildDagView({
    manifest,
    plan,
    config,
    manifestSource: "m.json",
    configSource: "c.yaml",
    factory: null,
    artifacts: { runScripts: {}, initScript: null },
  });
}

describe("commonNamespace", () => {
  it.each([
    [["a.b.c", "a.b.d"], "a.b"],
    [["a.b", "a.b.c"], "a.b"],
    [["a.b", "a.b"], "a.b"],
    [["a", "b"], null],
    [["a.b", null], null],
    [["ab.c", "a.c"], null], // segments, not characters
    [["a"], "a"],
    [[""], null],
    [[], null],
  ] as [(string | null)[], string | null][])("%j -> %j", (namespaces, expected) => {
    expect(commonNamespace(namespaces)).toBe(expected);
  });
});

describe("groupKeyBase", () => {
  it("joins segments by __ and makes each a valid Airflow group key (no dot)", () => {
    expect(groupKeyBase("a.b-c.d_e")).toBe("a__b-c__d_e");
    expect(groupKeyBase("données.x y")).toBe("donn_es__x_y");
    expect(groupKeyBase("a..b")).toBe("a__ns__b");
    expect(groupKeyBase("x".repeat(300))).toHaveLength(MAX_GROUP_ID);
  });
});

describe("planTaskGroups on the namespaces fixture", () => {
  const manifest = loadManifestFile(FIXTURE);
  const plan = planOf(manifest);
  const view = dagView(manifest, plan, true);
  const tg = planTaskGroups(
    plan,
    manifest,
    view.tasks.map((t) => t.taskId),
  );

  it("nests the namespaces that hold tasks, parents first, ids unique beside the task ids", () => {
    expect(tg.groups.map((g) => [g.groupId, g.namespace, g.parent])).toEqual([
      ["features", "features", null],
      ["features__spark", "features.spark", "task_group_0"],
      // a top-level node is named `prep`: its task id wins, the group takes the next free key
      ["prep_2", "prep", null],
      ["prep__clean", "prep.clean", "task_group_2"],
      ["report-v2", "report-v2", null],
      ["report-v2__charts", "report-v2.charts", "task_group_4"],
    ]);
    expect(tg.groups.map((g) => g.var)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `task_group_${i}`));
  });

  it("puts each task in the deepest namespace its nodes share, or at the top", () => {
    // namespaceOf is by plan group index; keyed by group name here to read.
    expect(Object.fromEntries(plan.groups.map((g, i) => [g.name, tg.namespaceOf[i]]))).toEqual({
      ingest: null,
      "prep.clean.clean_companies": "prep.clean",
      "prep.clean.clean_shuttles": "prep.clean",
      "prep.join_tables": "prep",
      prep: null,
      "pyspark_features.spark.build_features": "features.spark",
      // report-v2.charts.plot and report-v2.tables.render share in-memory data: one task
      "report-v2.charts.plot": "report-v2",
      "report-v2.charts.summary": "report-v2.charts",
    });
  });

  it("keeps the cluster tasks at the top level and every task id and edge unchanged", () => {
    const off = dagView(manifest, plan, false);
    expect(off.taskGroups).toEqual([]);
    expect(off.tasks.every((t) => t.taskGroup === undefined)).toBe(true);
    const strip = (v: typeof view) => ({
      ids: v.tasks.map((t) => [t.var, t.taskId]),
      edges: v.edges,
    });
    expect(strip(view)).toEqual(strip(off));
    const groupOfTask = Object.fromEntries(view.tasks.map((t) => [t.taskId, t.taskGroup]));
    expect(groupOfTask["pyspark_features.spark.build_features"]).toBe("task_group_1");
    expect(groupOfTask["ingest"]).toBeUndefined();
  });

  it("keeps every task id when a namespace is renamed", () => {
    const raw = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as {
      nodes: { namespace?: string }[];
    };
    for (const n of raw.nodes)
      if (n.namespace) n.namespace = n.namespace.replace(/^prep/, "preparation");
    const renamed = normaliseManifest(raw, "renamed");
    const again = dagView(renamed, planOf(renamed), true);
    expect(again.tasks.map((t) => t.taskId)).toEqual(view.tasks.map((t) => t.taskId));
    expect(again.taskGroups.map((g) => g.groupId)).toContain("preparation");
  });
});

describe("planTaskGroups: collisions", () => {
  const manifest = normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "p" },
      nodes: [
        { name: "a.x", namespace: "a", inputs: [], outputs: ["o1"] },
        { name: "b.y", namespace: "b", inputs: [], outputs: ["o2"] },
      ],
      datasets: { o1: { type: "pandas.CSVDataset" }, o2: { type: "pandas.CSVDataset" } },
    },
    "m.json",
  );
  const plan = planOf(manifest);

  it("steps around task ids, Airflow's join ids and earlier group ids", () => {
    const tg = planTaskGroups(plan, manifest, ["a", "a_2", "b.upstream_join_id"]);
    expect(tg.groups.map((g) => g.groupId)).toEqual(["a_3", "b_2"]);
  });

  it("is deterministic", () => {
    expect(planTaskGroups(plan, manifest, ["a"])).toEqual(planTaskGroups(plan, manifest, ["a"]));
  });
});

describe("the DAG text", () => {
  it("writes a hostile namespace only as a Python literal (tooltip) and a clean key (group id)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kak-groups-"));
    try {
      const ns = "evil\"'\\ {{ x }}\n$(id).inner";
      const manifest = {
        schemaVersion: 1,
        project: { name: "p" },
        nodes: [{ name: `${ns}.n`, namespace: ns, inputs: [], outputs: ["o"] }],
        datasets: { o: { type: "pandas.CSVDataset" } },
      };
      fs.writeFileSync(path.join(dir, "m.json"), JSON.stringify(manifest));
      fs.writeFileSync(path.join(dir, "c.yaml"), "run_config:\n  image: img\n");
      const r = cli([
        "compile",
        "--manifest",
        path.join(dir, "m.json"),
        "--config",
        path.join(dir, "c.yaml"),
        "--out",
        path.join(dir, "out"),
      ]);
      expect(r.code).toBe(0);
      const file = path.join(dir, "out", "dags", "p.py");
      const text = fs.readFileSync(file, "utf8");
      expect(text).toContain(
        'task_group_0 = TaskGroup("evil_x_id_", tooltip="evil\\"\'\\\\ {{ x }}\\n$(id)", prefix_group_id=False)',
      );
      expect(text).toContain("task_group=task_group_1,");
      // Python (standard library only) reads it back: the tooltips are exactly the namespaces.
      const tooltips = execFileSync(
        "python3",
        [
          "-c",
          "import ast,json,sys; t=ast.parse(open(sys.argv[1]).read()); print(json.dumps([k.value.value for n in ast.walk(t) if isinstance(n, ast.Call) and getattr(n.func, 'id', '') == 'TaskGroup' for k in n.keywords if k.arg == 'tooltip']))",
          file,
        ],
        { encoding: "utf8" },
      );
      expect(JSON.parse(tooltips)).toEqual([ns.split(".")[0], ns]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random namespaced pipelines, planned for real (Spark groups and in-memory data make
// tasks whose nodes span namespaces).

// Namespaces from a few small trees (dotted names and `-`, `é` that group keys map), so that
// tasks often span namespaces with a common prefix.
const NAMESPACES = [
  "a",
  "a.b",
  "a.b.c",
  "a.c",
  "x.y",
  "x.y.z",
  "a-b",
  "é.f",
  "features",
  "features.a",
];

interface Gen {
  namespaces: (string | null)[];
  inputs: number[][];
  spark: boolean[];
  memory: boolean[];
  nodeNames: string[];
  /** 0: its own namespace; 1: its first producer's; 2: a child of it; 3: its parent. */
  inherit: number[];
}

const genPipeline: fc.Arbitrary<Gen> = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.record({
    namespaces: fc.array(fc.option(fc.constantFrom(...NAMESPACES), { freq: 6 }), {
      minLength: n,
      maxLength: n,
    }),
    inputs: fc.array(fc.array(fc.nat(), { maxLength: 2 }), { minLength: n, maxLength: n }),
    spark: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    memory: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    inherit: fc.array(fc.nat({ max: 3 }), { minLength: n, maxLength: n }),
    // Task ids come from names: a node named like a namespace makes a group id collide.
    nodeNames: fc.array(fc.constantFrom("n", "a", "b", "features", "a__b", "c_2"), {
      minLength: n,
      maxLength: n,
    }),
  }),
);

function manifestOf(g: Gen): Manifest {
  // Kedro pipelines nest: a node's namespace is often its producer's, or next to it.
  const namespaces: (string | null)[] = [];
  g.namespaces.forEach((own, i) => {
    const from = i === 0 || g.inputs[i]!.length === 0 ? null : namespaces[g.inputs[i]![0]! % i]!;
    const kind = from === null ? 0 : g.inherit[i]!;
    namespaces.push(
      kind === 0
        ? own
        : kind === 1
          ? from
          : kind === 2
            ? `${from}.k${i % 2}`
            : from!.includes(".")
              ? from!.slice(0, from!.lastIndexOf("."))
              : null,
    );
  });
  const nodes = namespaces.map((ns, i) => ({
    name: `${ns === null ? "" : `${ns}.`}${g.nodeNames[i]}${i}`,
    namespace: ns,
    inputs: i === 0 ? [] : [...new Set(g.inputs[i]!.map((k) => `d${k % i}`))],
    outputs: [`d${i}`],
    tags: g.spark[i] ? ["kedro-airflow-k8s.group.pyspark"] : [],
  }));
  // A top-level node named exactly like a namespace, to make collisions likely.
  nodes.push({ name: g.nodeNames[0]!, namespace: null, inputs: [], outputs: ["top"], tags: [] });
  const datasets: Record<string, { type: string }> = { top: { type: "pandas.CSVDataset" } };
  g.memory.forEach((mem, i) => {
    if (!mem) datasets[`d${i}`] = { type: "pandas.ParquetDataset" };
  });
  return normaliseManifest({ schemaVersion: 1, project: { name: "p" }, nodes, datasets }, "gen");
}

/** Whether `prefix` is `ns` or a whole-segment prefix of it. */
const isPrefix = (prefix: string, ns: string) => ns === prefix || ns.startsWith(`${prefix}.`);
const GROUP_KEY = /^[A-Za-z0-9_-]+$/;

describe("planTaskGroups: properties", () => {
  it("every task in exactly one place, in the deepest namespace its nodes share; ids valid and unique", () => {
    // What the generator reached, so that a weaker generator fails here instead of passing.
    const reached = { spanning: 0, collision: 0, nested: 0 };
    fc.assert(
      fc.property(genPipeline, (g) => {
        const manifest = manifestOf(g);
        const plan = planOf(manifest);
        const view = dagView(manifest, plan, true);
        const taskIds = view.tasks.map((t) => t.taskId);
        const tg = planTaskGroups(plan, manifest, taskIds);
        const nsOf = new Map(manifest.nodes.map((n) => [n.name, n.namespace]));
        const byVar = new Map(tg.groups.map((d) => [d.var, d]));

        // Each plan task has exactly one entry (by group index), and it is null or a declared group.
        expect(tg.groupOf).toHaveLength(plan.groups.length);
        expect(tg.namespaceOf).toHaveLength(plan.groups.length);
        for (const [i, group] of plan.groups.entries()) {
          const v = tg.groupOf[i]!;
          expect(v === null).toBe(tg.namespaceOf[i] === null);
          const nss = group.nodes.map((n) => nsOf.get(n) ?? null);
          if (v === null) {
            // Top level: no first segment is shared by all nodes.
            const first = nss[0]?.split(".")[0];
            expect(nss.every((ns) => ns !== null && ns.split(".")[0] === first)).toBe(false);
            continue;
          }
          const decl = byVar.get(v)!;
          expect(decl).toBeDefined();
          if (nss.some((ns) => ns !== decl.namespace)) reached.spanning++;
          // The group's namespace is a prefix of every node's namespace ...
          for (const ns of nss) expect(isPrefix(decl.namespace, ns!)).toBe(true);
          // ... and the deepest such: one segment more is not shared by all.
          const depth = decl.namespace.split(".").length;
          const next = nss[0]!
            .split(".")
            .slice(0, depth + 1)
            .join(".");
          const deeper = next.split(".").length > depth && nss.every((ns) => isPrefix(next, ns!));
          expect(deeper).toBe(false);
        }

        // The tree: parents declared first, each the namespace minus its last segment.
        const seen = new Set<string>();
        for (const d of tg.groups) {
          const dot = d.namespace.lastIndexOf(".");
          if (d.groupId !== groupKeyBase(d.namespace)) reached.collision++;
          if (dot === -1) expect(d.parent).toBeNull();
          else {
            reached.nested++;
            expect(seen.has(d.parent!)).toBe(true);
            expect(byVar.get(d.parent!)!.namespace).toBe(d.namespace.slice(0, dot));
          }
          seen.add(d.var);
        }
        // Only namespaces that hold a task, directly or below.
        const holding = tg.namespaceOf.filter((ns): ns is string => ns !== null);
        for (const d of tg.groups) {
          expect(holding.some((ns) => isPrefix(d.namespace, ns))).toBe(true);
        }

        // Ids: Airflow group keys, unique, never a task id.
        const ids = tg.groups.map((d) => d.groupId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) {
          expect(id).toMatch(GROUP_KEY);
          expect(id.length).toBeLessThanOrEqual(MAX_GROUP_ID);
          expect(taskIds).not.toContain(id);
        }

        // Toggling the option changes no task id and no edge.
        const off = dagView(manifest, plan, false);
        expect(off.tasks.map((t) => t.taskId)).toEqual(taskIds);
        expect(off.edges).toEqual(view.edges);
      }),
      { numRuns: 200 },
    );
    expect(reached.spanning).toBeGreaterThan(10);
    expect(reached.collision).toBeGreaterThan(10);
    expect(reached.nested).toBeGreaterThan(10);
  });
});

describe("a custom factory's task in a TaskGroup", () => {
  it("keeps its task policy (set as attributes after the group's with-block)", () => {
    const raw = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as {
      nodes: { name: string; tags?: string[] }[];
    };
    for (const n of raw.nodes)
      if (n.name === "features.spark.build_features") n.tags = [...(n.tags ?? []), "policies.slow"];
    const manifest = normaliseManifest(raw, "m.json");
    const configFile = path.join(__dirname, "fixtures", "compile", "custom.yaml");
    const config = normaliseRunConfig(
      {
        run_config: {
          image: "img",
          policies: { slow: { retries: 4 } },
          spark: {
            type: "custom",
            operator_factory: "./factories/custom.js#LivyFactory",
            project_id: "p",
            region: "r",
            artifacts_path: "gs://bucket/kedro",
          },
        },
      },
      configFile,
    );
    const plan = planPipeline(manifest, config);
    const dag = compileProject({
      manifest,
      plan,
      config,
      manifestSource: "m.json",
      configSource: configFile,
      factory: loadFactory(config.spark.operatorFactory!, configFile),
      projectDir: null,
    }).dag.content;
    const spark = plan.groups.find((g) => g.kind === "spark")!;
    const lines = dag.split("\n");
    const at = lines.findIndex((l) => /^ {4}with task_group_\d+:/.test(l));
    expect(at).toBeGreaterThan(0);
    const variable = /^ {8}(task_\d+) = /.exec(lines[at + 1]!)![1];
    expect(dag).toContain(`task_id=${JSON.stringify(spark.name)}`);
    // Once, at the DAG's indentation, after the factory's expression.
    expect(lines.filter((l) => l === `    ${variable}.retries = 4`)).toHaveLength(1);
    expect(lines.findIndex((l) => l === `    ${variable}.retries = 4`)).toBeGreaterThan(at + 1);
  });
});
