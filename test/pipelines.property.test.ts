/**
 * Several pipelines of one project never share a name: for random sets of pipeline names
 * (names that differ only by case, or only by characters that slugs and task-id sanitising
 * map to the same thing, empty, `__default__`, long and non-ASCII ones) every DAG id, DAG
 * file, run script, Dataproc cluster name and Serverless batch id (rendered for one run_id
 * the way Airflow renders them), deployment hash and child resource name is distinct, checked
 * here without the product's code: a decoder that turns every pipeline key back into its
 * name, Airflow's and Dataproc's own name rules, and the DAG's run suffix recomputed.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as path from "node:path";
import fc from "fast-check";
import { normaliseRunConfig } from "../components/config/load";
import { normaliseManifest } from "../components/manifest/load";
import { planPipeline } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";
import { MAX_PIPELINE_KEY, pipelineKey } from "../components/rendering/names";
import { deploymentNames } from "../components/resources/identity";

const CASES = Number(process.env["PIPELINE_NAME_CASES"] ?? 300);
const TAG = "kedro-airflow-k8s:group:pyspark";
const ROOT = path.join(__dirname, "..");

const confusable = fc.constantFrom(
  "a",
  "A",
  "b",
  "B",
  "_",
  "-",
  ".",
  " ",
  "/",
  ":",
  "é",
  "É",
  "ß",
  "😀",
  "__default__",
  "x",
  "1",
);
const pipelineName = fc.oneof(
  { weight: 4, arbitrary: fc.array(confusable, { maxLength: 6 }).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom("a", "B", "-"), minLength: 100, maxLength: 260 }),
  },
);
const nameSets = fc.uniqueArray(pipelineName, { minLength: 2, maxLength: 6 });

/** The inverse of the pipeline key for keys that were not cut: proves the encoding injective. */
function decodeKey(key: string): string {
  if (key === ".") return "";
  let out = "";
  for (let i = 0; i < key.length;) {
    if (key[i] === ".") {
      const end = key.indexOf(".", i + 1);
      out += String.fromCodePoint(parseInt(key.slice(i + 1, end), 16));
      i = end + 1;
    } else {
      out += key[i];
      i++;
    }
  }
  return out;
}

const AIRFLOW_KEY = /^[\w.-]{1,250}$/; // airflow.utils.helpers.KEY_REGEX, ID_LEN 250
const DATAPROC_CLUSTER = /^[a-z]([-a-z0-9]{0,49}[a-z0-9])?$/;
const BATCH_ID = /^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$/;
const RUN_ID = "scheduled__2026-01-01T00:00:00+00:00";

/** The DAG's kak_run_suffix, recomputed: 10 hex digits of SHA-256 over the id and run. */
function runSuffix(dagId: string, tryNumber?: number): string {
  const key = tryNumber === undefined ? `${dagId}\0${RUN_ID}` : `${dagId}\0${RUN_ID}\0${tryNumber}`;
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 10);
}

/** A Jinja string of the DAG rendered as Airflow would for RUN_ID and try 1. */
function renderNames(dag: string, dagId: string, pattern: RegExp): string[] {
  return [...dag.matchAll(pattern)].map((m) =>
    m[1]!
      .replace("{{ kak_run_suffix(dag.dag_id, run_id, ti.try_number) }}", runSuffix(dagId, 1))
      .replace("{{ kak_run_suffix(dag.dag_id, run_id) }}", runSuffix(dagId)),
  );
}

function manifestOf(pipeline: string) {
  return normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "shop", package: "shop" },
      pipeline,
      env: "prod",
      nodes: [
        { name: "load", inputs: [], outputs: ["a"] },
        { name: "spark", inputs: ["a"], outputs: ["b"], tags: [TAG] },
      ],
      datasets: {
        a: {
          type: "pandas.ParquetDataset",
          location: {
            key: "filepath",
            path: "gs://b/a",
            protocol: "gs",
            local: false,
            relative: false,
          },
        },
        b: {
          type: "pandas.ParquetDataset",
          location: {
            key: "filepath",
            path: "gs://b/b",
            protocol: "gs",
            local: false,
            relative: false,
          },
        },
      },
    },
    "case",
  );
}

const sparkConfig = (type: "dataproc" | "dataproc-serverless", clusterName: string | null) =>
  normaliseRunConfig(
    {
      run_config: {
        image: "img:1",
        env: "prod",
        run_name: "shop",
        spark: {
          type,
          project_id: "p",
          region: "europe-west1",
          ...(clusterName === null ? {} : { cluster_name: clusterName }),
          artifacts_path: "gs://art/kedro",
          cluster_config:
            type === "dataproc" ? {} : { runtime_config: { container_image: "spark:1" } },
        },
      },
    },
    "config",
  );

function allDistinct(values: readonly string[], fold = false): boolean {
  const seen = values.map((v) => (fold ? v.toLowerCase() : v));
  return new Set(seen).size === seen.length;
}

describe("several pipelines: no two generated names collide", () => {
  it("pipeline keys decode back to their names (injective), lowercase, safe and bounded", () => {
    fc.assert(
      fc.property(nameSets, (names) => {
        const keys = names.map(pipelineKey);
        expect(allDistinct(keys, true)).toBe(true);
        for (const [i, key] of keys.entries()) {
          expect(key).toMatch(/^[a-z0-9_.-]+$/);
          expect(key.length).toBeLessThanOrEqual(MAX_PIPELINE_KEY);
          if (!key.includes("-")) expect(decodeKey(key)).toBe(names[i]);
          else expect(key).toMatch(/-[0-9a-f]{16}$/);
        }
      }),
      { numRuns: CASES * 5 },
    );
  });

  it("DAG ids, DAG files, run scripts, clusters, batch ids and deployment names", () => {
    fc.assert(
      fc.property(
        nameSets,
        fc.constantFrom("dataproc", "dataproc-serverless"),
        fc.option(fc.constantFrom("shared", "Shared Cluster"), { nil: null }),
        (all, type, clusterName) => {
          const names = all.filter((n) => n !== ""); // the manifest schema wants a name
          fc.pre(names.length >= 2);
          const config = sparkConfig(type as "dataproc" | "dataproc-serverless", clusterName);
          const out = names.map((pipeline) => {
            const manifest = manifestOf(pipeline);
            const plan = planPipeline(manifest, config, { manifest: "case" });
            const compiled = compileProject({
              manifest,
              plan,
              config,
              manifestSource: "case",
              configSource: "config",
              factory: null,
              projectDir: null,
            });
            const dag = compiled.dag.content;
            const dagId = /dag_id="([^"]+)"/.exec(dag)![1]!;
            const ids = deploymentNames({
              organization: "",
              project: "p",
              stack: "dev",
              kedroProject: "shop",
              pipeline,
              dagId,
            });
            return {
              dagId,
              compiled,
              dagPath: compiled.dag.path,
              dagFile: ids.dagFile,
              k8s: ids.kubernetesBase,
              child: `shop-${pipelineKey(pipeline)}`,
              clusters: renderNames(dag, dagId, /cluster_name="([^"]+)"/g),
              batches: renderNames(dag, dagId, /batch_id="([^"]+)"/g),
            };
          });
          for (const o of out) {
            expect(o.dagId).toBe(o.compiled.dagId);
            expect(o.dagId).toMatch(AIRFLOW_KEY);
            for (const c of o.clusters) expect(c).toMatch(DATAPROC_CLUSTER);
            for (const b of o.batches) expect(b).toMatch(BATCH_ID);
          }
          expect(
            allDistinct(
              out.map((o) => o.dagId),
              true,
            ),
          ).toBe(true);
          expect(
            allDistinct(
              out.map((o) => o.dagPath),
              true,
            ),
          ).toBe(true);
          expect(
            allDistinct(
              out.map((o) => o.dagFile),
              true,
            ),
          ).toBe(true);
          expect(allDistinct(out.map((o) => o.k8s))).toBe(true);
          expect(allDistinct(out.map((o) => o.child))).toBe(true);
          // One cluster per run of each DAG (its tasks share it); one batch id per Spark task.
          const clusters = out.map((o) => [...new Set(o.clusters)]);
          if (type === "dataproc") for (const c of clusters) expect(c).toHaveLength(1);
          else for (const c of clusters) expect(c).toHaveLength(0);
          expect(allDistinct(clusters.flat())).toBe(true);
          if (type !== "dataproc") for (const o of out) expect(o.batches).toHaveLength(1);
          expect(allDistinct(out.flatMap((o) => o.batches))).toBe(true);
          // Artifacts: a name two pipelines share holds the same bytes (content-addressed).
          const byName = new Map<string, string>();
          for (const a of out.flatMap((o) => o.compiled.artifacts)) {
            expect(byName.get(a.name) ?? a.content).toBe(a.content);
            byName.set(a.name, a.content);
          }
          const runScripts = out.flatMap((o) =>
            o.compiled.artifacts
              .filter((a) => a.name.startsWith("pyspark_spark-"))
              .map((a) => a.name),
          );
          expect(allDistinct(runScripts)).toBe(true);
        },
      ),
      { numRuns: CASES },
    );
  });

  it("the exporter names its files with the same key (python/kedro_airflow_k8s_export.py)", () => {
    const names = fc.sample(nameSets, { numRuns: 200, seed: 11 }).flat();
    // The exporter's module imports only the standard library at its top, so the machine's own
    // python3 runs it: jest never depends on a virtualenv that a later suite builds.
    const python = "python3";
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "python"))})`,
      "from kedro_airflow_k8s_export import pipeline_key",
      "print(json.dumps([pipeline_key(n) for n in json.load(sys.stdin)]))",
    ].join("\n");
    const out = execFileSync(python, ["-c", script], { input: JSON.stringify(names) });
    expect(JSON.parse(out.toString())).toEqual(names.map(pipelineKey));
  });
});
