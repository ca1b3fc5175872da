/**
 * Stable task ids (issue 12, part 6): a random local edit of a random pipeline (a node added,
 * removed or renamed) renames no group whose node set it leaves alone, in the plan, the DAG's
 * task ids, the run script names and the Serverless batch ids. The checker compares node sets
 * by name and checks ids against Airflow's rule on its own; it shares no code with the planner.
 */
import fc from "fast-check";
import { normaliseRunConfig } from "../components/config/load";
import { normaliseManifest } from "../components/manifest/load";
import type { Manifest } from "../components/manifest/types";
import { planPipeline, type Plan } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";
import { buildDagView } from "../components/rendering/dag";
import { MEMORY_TYPE, SPARK_TYPE, TAG, generate, rng, shapes } from "./helpers/random-pipeline";

/** Airflow's KEY_REGEX (ASCII here) and ID_LEN; what the product promises on top. */
const VALID_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$/;
const FIXED_TASKS = ["create_spark_cluster", "delete_spark_cluster", "spark_jobs_succeeded"];

/** Decorations that make names need hashing or look like other kinds of ids. */
const PREFIXES = ["", "", "", "pyspark_", "ns.sub.", "a b ", "f([x;y]) -> ", "é", "-", "_"];
const SUFFIXES = ["", "", "", "__0123abcd", " ", "_2", ".x", "n".repeat(250)];

type RawNode = Manifest["nodes"][number];

/** Gives the generated nodes varied names (still unique: each keeps its own `n<i>`). */
function decorate(manifest: Manifest, seed: number): Manifest {
  const r = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const special = ["create_spark_cluster", "spark_jobs_succeeded", "pyspark_n0"];
  const nodes = manifest.nodes.map((n) => {
    const roll = r();
    const name =
      roll < 0.03
        ? pick(special)
        : roll < 0.5
          ? n.name
          : `${pick(PREFIXES)}${n.name}${pick(SUFFIXES)}`;
    return { ...n, name };
  });
  // The special names are single: keep only their first use.
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.name)) n.name = `${n.name}_dup${seen.size}`;
    seen.add(n.name);
  }
  return withNodes(manifest, nodes);
}

function withNodes(manifest: Manifest, nodes: RawNode[]): Manifest {
  return normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "prop" },
      nodes: nodes.map((n) => ({
        name: n.name,
        inputs: n.inputs,
        outputs: n.outputs,
        tags: n.tags,
        inputTypes: n.inputTypes,
      })),
      datasets: Object.fromEntries(
        Object.entries(manifest.datasets).map(([k, d]) => [k, { type: d.type }]),
      ),
    },
    "edited",
  );
}

type Edit = { kind: "add" | "remove" | "rename"; at: number; seed: number };

/** One local edit; returns the new manifest and the nodes it touched (by name, before and after). */
function applyEdit(manifest: Manifest, edit: Edit): { after: Manifest; touched: Set<string> } {
  const r = rng(edit.seed);
  const nodes = manifest.nodes.map((n) => ({ ...n }));
  const datasets = { ...manifest.datasets };
  const touched = new Set<string>();
  const at = nodes.length === 0 ? 0 : edit.at % nodes.length;
  if (edit.kind === "add" || nodes.length === 0) {
    const outputs = nodes.flatMap((n) => n.outputs);
    const inputs = [
      ...new Set(
        Array.from(
          { length: Math.floor(r() * 3) },
          () => outputs[Math.floor(r() * outputs.length)]!,
        ),
      ),
    ].filter((d) => d !== undefined);
    const out = `added_${edit.seed >>> 0}`;
    const roll = r();
    const type = roll < 0.3 ? SPARK_TYPE : roll < 0.5 ? MEMORY_TYPE : "pandas.ParquetDataset";
    datasets[out] = { type, classes: [] };
    const name = `${r() < 0.3 ? "pyspark_" : ""}added node ${edit.seed >>> 0}`;
    touched.add(name);
    nodes.splice(at, 0, {
      ...nodes[0]!,
      name,
      inputs,
      outputs: [out],
      tags: r() < 0.3 ? [TAG] : [],
      inputTypes: [],
    });
  } else if (edit.kind === "remove") {
    touched.add(nodes[at]!.name);
    nodes.splice(at, 1);
  } else {
    touched.add(nodes[at]!.name);
    nodes[at]!.name = `renamed ${nodes[at]!.name}`;
    touched.add(nodes[at]!.name);
  }
  // Half the time the exporter lists the nodes in another order: Kedro's topological order
  // is one of many, and an edit can change which one it picks.
  if (r() < 0.5) {
    for (let i = nodes.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [nodes[i], nodes[j]] = [nodes[j]!, nodes[i]!];
    }
  }
  return { after: withNodes({ ...manifest, datasets }, nodes), touched };
}

const setKey = (nodes: readonly string[]) => JSON.stringify([...nodes].sort());

function checkIds(plan: Plan): void {
  const names = plan.groups.map((g) => g.name);
  for (const name of names) expect(name).toMatch(VALID_ID);
  expect(new Set(names).size).toBe(names.length);
  for (const fixed of FIXED_TASKS) expect(names).not.toContain(fixed);
}

const config = (grouping: boolean) =>
  normaliseRunConfig({ run_config: { group_spark_nodes: grouping } }, "property config");

const serverless = normaliseRunConfig(
  {
    run_config: {
      image: "img:1",
      spark: {
        type: "dataproc-serverless",
        project_id: "p",
        region: "r",
        artifacts_path: "gs://bucket/artifacts",
        cluster_config: { runtime_config: { container_image: "spark:1" } },
      },
    },
  },
  "serverless config",
);

const edits = fc.record({
  kind: fc.constantFrom<Edit["kind"]>("add", "remove", "rename"),
  at: fc.nat(),
  seed: fc.integer(),
});

/** What compileProject takes for `manifest`, planned and rendered with the Serverless config. */
function serverlessInputs(manifest: Manifest) {
  return {
    manifest,
    plan: planPipeline(manifest, serverless),
    config: serverless,
    manifestSource: "m",
    configSource: "c",
    factory: null,
    projectDir: null,
  };
}

describe("stable task ids", () => {
  // How much the runs exercised, so that a generator gone flat fails rather than passes.
  const seen = { kept: 0, hashed: 0, spark: 0 };

  it("keeps the id of every group whose node set an edit leaves alone", () => {
    fc.assert(
      fc.property(shapes(80), edits, fc.integer(), (shape, edit, nameSeed) => {
        const before = decorate(generate(shape), nameSeed);
        const { after, touched } = applyEdit(before, edit);
        const planA = planPipeline(before, config(shape.grouping));
        const planB = planPipeline(after, config(shape.grouping));
        checkIds(planA);
        checkIds(planB);
        const byNodes = new Map(planB.groups.map((g) => [setKey(g.nodes), g.name]));
        for (const g of planA.groups) {
          const same = byNodes.get(setKey(g.nodes));
          if (same === undefined) continue;
          expect(g.nodes.some((n) => touched.has(n))).toBe(false);
          expect(same).toBe(g.name);
          seen.kept++;
          if (/__[0-9a-f]{8}$/.test(g.name)) seen.hashed++;
          if (g.kind === "spark") seen.spark++;
        }
      }),
      { numRuns: 200 },
    );
    expect(seen.kept).toBeGreaterThan(500);
    expect(seen.hashed).toBeGreaterThan(50);
    expect(seen.spark).toBeGreaterThan(50);
  });

  it("keeps task ids, run script names and Serverless batch ids of untouched groups", () => {
    let batches = 0;
    fc.assert(
      fc.property(shapes(40), edits, (shape, edit) => {
        const before = generate({ ...shape, sparkRate: Math.max(shape.sparkRate, 0.4) });
        const { after } = applyEdit(before, edit);
        const derived = (manifest: Manifest) => {
          const inputs = serverlessInputs(manifest);
          const { plan } = inputs;
          const compiled = compileProject(inputs);
          const runScripts = Object.fromEntries(
            compiled.artifacts.map((a) => [a.name.replace(/-[0-9a-f]{12}\.py$/, ""), a.uri!]),
          );
          const view = buildDagView({ ...inputs, artifacts: { runScripts, initScript: null } });
          const out = new Map<string, string>();
          for (const g of plan.groups) {
            const task = view.tasks.find((t) => t.taskId === compiled.taskIds[g.name])!;
            const script = compiled.artifacts.find((a) => a.name.startsWith(`${g.name}-`));
            out.set(
              setKey(g.nodes),
              JSON.stringify([
                task.taskId,
                task.kwargs.find((k) => k.name === "batch_id")?.value ?? null,
                script?.name.slice(0, -16) ?? null,
              ]),
            );
          }
          return out;
        };
        const a = derived(before);
        const b = derived(after);
        for (const [nodes, ids] of a) {
          if (!b.has(nodes)) continue;
          expect(b.get(nodes)).toBe(ids);
          if (ids.includes('"pyspark_')) batches++;
        }
      }),
      { numRuns: 60 },
    );
    expect(batches).toBeGreaterThan(10);
  });
});

describe("CompiledProject.taskIds", () => {
  // Built on first read; it must still look and behave like the plain record it was.
  it("reads as a plain record of each group's task id, once built, everywhere", () => {
    const manifest = generate({
      seed: 7,
      n: 30,
      sparkRate: 0.5,
      memoryRate: 0.2,
      transcodeRate: 0,
      fanIn: 2,
      grouping: true,
    });
    const inputs = serverlessInputs(manifest);
    const { plan } = inputs;
    const compiled = compileProject(inputs);
    expect(Object.keys(compiled)).toContain("taskIds");
    const expected = Object.fromEntries(plan.groups.map((g) => [g.name, g.name]));
    expect(JSON.parse(JSON.stringify(compiled)).taskIds).toEqual(expected);
    expect(compiled.taskIds).toEqual(expected);
    expect(compiled.taskIds).toBe(compiled.taskIds);
    expect({ ...compiled }.taskIds).toBe(compiled.taskIds);
    compiled.taskIds = {};
    expect(compiled.taskIds).toEqual({});
  });
});
