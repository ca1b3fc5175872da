import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installMocks, resolvedInputs, settle, valueOf } from "./helpers/pulumi-mocks";
import { KedroAirflowPipelines, PIPELINES_COMPONENT_TYPE } from "../components";
import { COMPONENT_TYPE } from "../components/resources/component";
import { pipelineManifests } from "../components/resources/pipelines";

// Several pipelines of the example project deployed side by side by one component, on one
// DAG bucket and one artifacts bucket.
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const RUN_CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
const OBJECT = "gcp:storage/bucketObject:BucketObject";
const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "manifest.json"), "utf8"));

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-pipelines-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A manifest of the example under another pipeline name (the same nodes suffice here). */
function write(file: string, pipeline: string, extra: object = {}): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...example, pipeline, ...extra }));
  return file;
}

describe("KedroAirflowPipelines", () => {
  it("deploys each pipeline as its own deployment, with no name shared", async () => {
    const registered = installMocks({ stack: "dev" });
    // A folder as `manifest --all --out DIR` writes it, and one more file; two names that
    // differ only by case.
    const folder = path.join(tmp, "manifests");
    write(path.join(folder, "__default__.json"), "__default__");
    write(path.join(folder, "reporting.json"), "reporting");
    const extra = write(path.join(tmp, "other.json"), "Reporting");
    const component = new KedroAirflowPipelines("spaceflights", {
      manifests: [folder, extra],
      runConfig: RUN_CONFIG,
      projectDir: EXAMPLE,
      dagBucket: "dags-bucket",
    });
    const dagIds = (await valueOf(component.dagIds))!;
    const objectNames = (await valueOf(component.dagObjectNames))!;
    await settle();

    expect(dagIds).toEqual({
      Reporting: "spaceflights-spark__.52.eporting",
      __default__: "spaceflights-spark",
      reporting: "spaceflights-spark__reporting",
    });
    expect(Object.keys(component.deployments).sort()).toEqual(Object.keys(dagIds).sort());
    const names = Object.values(objectNames);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
    for (const [pipeline, name] of Object.entries(objectNames)) {
      expect(name.startsWith(`dags/${dagIds[pipeline]!}-`)).toBe(true);
    }

    const children = registered.filter((r) => r.type === COMPONENT_TYPE);
    expect(children.map((r) => r.name).sort()).toEqual([
      "spaceflights-.52.eporting",
      "spaceflights-__default__",
      "spaceflights-reporting",
    ]);
    const parent = registered.find((r) => r.type === PIPELINES_COMPONENT_TYPE)!;
    for (const child of children) expect(child.options.parent).toBe(parent.urn);

    // Every resource has its own URN, and every DAG object its own name and dag_id.
    const urns = registered.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
    const dags = registered.filter((r) => r.type === OBJECT && r.name.endsWith("-dag"));
    expect(dags).toHaveLength(3);
    const dagNames = dags.map((r) => String(r.inputs["name"]));
    expect(dagNames.sort()).toEqual(names.sort());
    for (const dag of dags) {
      const ids = [...String(dag.inputs["content"]).matchAll(/dag_id="([^"]+)"/g)].map((m) => m[1]);
      expect(ids).toHaveLength(1);
      expect(Object.values(dagIds)).toContain(ids[0]);
    }
    const contentIds = dags.map((d) => /dag_id="([^"]+)"/.exec(String(d.inputs["content"]))![1]);
    expect(new Set(contentIds).size).toBe(3);

    // Artifacts: one run script per pipeline (its text names the pipeline), while the init
    // script and the archive, the same bytes for every pipeline, keep one name.
    const artifacts = registered.filter((r) => r.type === OBJECT && !r.name.endsWith("-dag"));
    const byObject = new Map<string, unknown[]>();
    for (const a of artifacts) {
      const key = String(a.inputs["name"]);
      byObject.set(key, [...(byObject.get(key) ?? []), (await resolvedInputs(a))["source"]]);
    }
    const runScripts = [...byObject.keys()].filter((k) =>
      /pyspark_clean_reviews_node-[0-9a-f]{12}\.py$/.test(k),
    );
    expect(runScripts).toHaveLength(3);
    for (const [key, sources] of byObject) {
      if (runScripts.includes(key)) expect(sources).toHaveLength(1);
      else expect(sources).toHaveLength(3);
      for (const s of sources) expect(s).toEqual(sources[0]);
    }
  });

  it("refuses a pipeline given twice, another project, no manifests and createNamespace", () => {
    const a = write(path.join(tmp, "a.json"), "reporting");
    const b = write(path.join(tmp, "b.json"), "reporting");
    const c = write(path.join(tmp, "c.json"), "other", {
      project: { ...example.project, name: "other" },
    });
    const base = { runConfig: RUN_CONFIG, dagBucket: "d" };
    expect(() => pipelineManifests({ ...base, manifests: [a, b] })).toThrow(
      `${b}: pipeline: pipeline "reporting" is also in ${a}; each pipeline once`,
    );
    expect(() => pipelineManifests({ ...base, manifests: [a, c] })).toThrow(
      `${c}: project.name: expected "spaceflights-spark"`,
    );
    expect(() => pipelineManifests({ ...base, manifests: [] })).toThrow("args: manifests:");
    expect(() =>
      pipelineManifests({ ...base, manifests: [a], kubernetes: { createNamespace: true } }),
    ).toThrow("args: kubernetes.createNamespace:");
    expect(() => pipelineManifests({ ...base, manifests: [tmp + "/none"] })).toThrow(
      "none: (file): cannot be read (ENOENT)",
    );
  });

  it("reports bad arguments as a ResourceError before any child exists", () => {
    const registered = installMocks({ stack: "dev" });
    expect(
      () =>
        new KedroAirflowPipelines("x", { manifests: [], runConfig: RUN_CONFIG, dagBucket: "d" }),
    ).toThrow("args: manifests: expected a non-empty list");
    expect(registered.filter((r) => r.type === COMPONENT_TYPE)).toHaveLength(0);
  });
});
