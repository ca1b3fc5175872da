import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { normaliseRunConfig } from "../components/config/load";
import { scheduleUriProblem } from "../components/config/schedule";
import { normaliseManifest } from "../components/manifest/load";
import type { DatasetLocation, Manifest } from "../components/manifest/types";
import { planPipeline } from "../components/planning/plan";
import {
  assetArguments,
  assetScheduleSource,
  assetUriOf,
  datasetAssetUris,
  peerAssetUris,
  planAssets,
} from "../components/rendering/assets";
import { buildDagView } from "../components/rendering/dag";
import { KedroAirflowDeployment, KedroAirflowPipelines } from "../components";
import { cli } from "./helpers/cli";
import { installMocks, settle, valueOf } from "./helpers/pulumi-mocks";

const PIPELINES = path.join(__dirname, "fixtures", "pipelines");
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const load = (file: string): Manifest =>
  normaliseManifest(JSON.parse(fs.readFileSync(path.join(PIPELINES, file), "utf8")), file);
const DATA = "gs://example-project-kedro-data/spaceflights";

const remote = (p: string): DatasetLocation => ({
  key: "filepath",
  path: p,
  protocol: p.slice(0, p.indexOf("://")),
  local: false,
  relative: false,
});

describe("assetUriOf: a dataset's location as an Asset URI", () => {
  it.each([
    ["gs://bucket/a/b.parquet", "gs://bucket/a/b.parquet"],
    ["gcs://bucket/a/b.parquet", "gs://bucket/a/b.parquet"],
    ["gs://bucket/folder/", "gs://bucket/folder"],
    ["gs://bucket//", "gs://bucket/"],
    ["gs://bucket", "gs://bucket/"],
    ["GS://bucket/x", "gs://bucket/x"],
    ["s3a://bucket/x", "s3://bucket/x"],
    ["s3://bucket/with space.csv", "s3://bucket/with space.csv"],
    ["hdfs://namenode:8020/data/x", "hdfs://namenode:8020/data/x"],
  ])("%s -> %s", (given, uri) => {
    expect(assetUriOf(remote(given))).toBe(uri);
  });

  it.each([
    ["http://host/x.csv", "a protocol no task writes to as storage"],
    ["memory://x", "fsspec's in-process memory"],
    ["abfs://container@account.dfs.core.windows.net/x", "user info Airflow 2.11 would drop"],
    ["gs://bucket/caf\u00e9.csv", "non-ASCII, which Airflow 2.11 refuses"],
    ["gs://bucket/x?version=1", "a query Airflow would reorder"],
    ["gs://bucket/x#1", "a fragment Airflow drops"],
    ["gs:///x", "no bucket"],
  ])("%s has none (%s)", (given) => {
    expect(assetUriOf(remote(given))).toBeNull();
  });

  it("gives local paths and tables none", () => {
    expect(
      assetUriOf({
        key: "filepath",
        path: "data/x.csv",
        protocol: "file",
        local: true,
        relative: true,
      }),
    ).toBeNull();
    expect(
      assetUriOf({ key: "table", path: "db.sales", protocol: null, local: false, relative: false }),
    ).toBeNull();
    expect(assetUriOf(null)).toBeNull();
    expect(assetUriOf(undefined)).toBeNull();
  });
});

describe("transcoded entries and peers", () => {
  const features = load("spark_features.json");
  const processing = load("data_processing.json");

  it("makes x@spark and x@pandas one Asset", () => {
    const uris = datasetAssetUris(features);
    expect(uris.get("model_input")).toBe(`${DATA}/05_model_input/model_input`);
    expect(uris.get("reviews")).toBe(`${DATA}/01_raw/reviews.csv`);
    expect([...uris.keys()].some((k) => k.includes("@"))).toBe(false);
    // A MemoryDataset is no Asset.
    expect(uris.has("shuttle_companies")).toBe(false);
  });

  it("turns what a peer writes and this pipeline only reads into inlets", () => {
    expect([...peerAssetUris(features, [processing, features])].sort()).toEqual([
      `${DATA}/02_intermediate/preprocessed_companies.parquet`,
      `${DATA}/02_intermediate/preprocessed_shuttles.parquet`,
    ]);
    // What the peer writes and this one does not (inlets only where a task reads them).
    expect(peerAssetUris(processing, [features]).size).toBe(6);
    // Without peers, no inlets.
    expect(peerAssetUris(features, []).size).toBe(0);
  });
});

describe("scheduleUriProblem: run_config.schedule.assets", () => {
  it.each([
    "gs://bucket/a/b.parquet",
    "gs://bucket/",
    "bigquery://project/dataset/table",
    "s3://b/k",
    "x-team://anything",
  ])("accepts %s", (uri) => {
    expect(scheduleUriProblem(uri)).toBeNull();
  });

  it.each([
    ["airflow://x/y", /reserved/],
    ["gs://bucket/x/", /write "gs:\/\/bucket\/x"/],
    ["GS://bucket/x", /write "gs:\/\/bucket\/x"/],
    ["gs://bucket", /write "gs:\/\/bucket\/"/],
    ["gs:///x", /must name a bucket/],
    ["bigquery://project/dataset", /bigquery:\/\/project\/dataset\/table/],
    ["gs://user:pw@bucket/x", /user info/],
    ["gs://bucket/x#frag", /fragment/],
    ["gs://bucket/x?b=1&a=2", /query/],
    ["bucket/x", /no scheme/],
    ["gs://bucket/a b", /space/],
    ["gs://bucket/caf\u00e9", /non-ASCII/],
    [`gs://b/${"x".repeat(1500)}`, /1500/],
  ])("refuses %s", (uri, why) => {
    expect(scheduleUriProblem(uri)).toMatch(why);
  });
});

describe("run config", () => {
  const base = { image: "img:1" };
  it("reads schedule.assets in place of the cron, all by default", () => {
    const config = normaliseRunConfig(
      { run_config: { ...base, schedule: { assets: ["gs://b/x"] } } },
      "c.yaml",
    );
    expect(config.cronExpression).toBeNull();
    expect(config.schedule).toEqual({ uris: ["gs://b/x"], when: "all" });
    expect(config.assets).toBe(true);
    expect(normaliseRunConfig({ run_config: base }, "c.yaml").schedule).toBeNull();
  });

  it.each([
    [
      { schedule: { assets: ["gs://b/x"] }, cron_expression: "@daily" },
      /run_config.cron_expression: cannot be given with run_config.schedule/,
    ],
    [
      { schedule: { assets: ["gs://b/x", "gs://b/y/"] } },
      /run_config.schedule.assets\[1\]: .*write "gs:\/\/b\/y"/,
    ],
    [{ schedule: { assets: [] } }, /run_config.schedule.assets/],
    [{ schedule: { assets: ["gs://b/x"], when: "some" } }, /run_config.schedule.when/],
    [{ schedule: { uris: ["gs://b/x"] } }, /run_config.schedule/],
    [{ assets: "yes" }, /run_config.assets/],
  ])("refuses %j", (extra, message) => {
    expect(() => normaliseRunConfig({ run_config: { ...base, ...extra } }, "c.yaml")).toThrow(
      message,
    );
  });

  it("takes cron_expression: null beside a schedule", () => {
    const config = normaliseRunConfig(
      { run_config: { ...base, cron_expression: null, schedule: { assets: ["gs://b/x"] } } },
      "c.yaml",
    );
    expect(config.schedule?.uris).toEqual(["gs://b/x"]);
  });
});

describe("the DAG's assets", () => {
  const features = load("spark_features.json");
  const processing = load("data_processing.json");
  const view = (manifest: Manifest, extra: object, peers: Manifest[] = []) => {
    const config = normaliseRunConfig(
      { run_config: { image: "img:1", spark: { type: "kubernetes" }, ...extra } },
      "c.yaml",
    );
    const plan = planPipeline(manifest, config);
    return buildDagView({
      manifest,
      plan,
      config,
      manifestSource: "m.json",
      configSource: "c.yaml",
      factory: null,
      artifacts: { runScripts: {}, initScript: null },
      peers,
    });
  };

  it("puts outlets and inlets on the group's task, and imports Asset", () => {
    const v = view(features, {}, [processing]);
    expect(v.imports.asset).toBe(true);
    const task = v.tasks.find((t) => t.taskId.startsWith("pyspark_"))!;
    expect(task.assets).toContain(`outlets=[\n    Asset("${DATA}/03_primary/reviews_clean"),`);
    expect(task.assets).toContain(
      `inlets=[\n    Asset("${DATA}/02_intermediate/preprocessed_companies.parquet"),`,
    );
    // The Memory dataset between two Spark nodes is no outlet; reviews is only read.
    expect(task.assets).not.toContain("01_raw");
  });

  it("gives no inlets where no task reads a peer's output", () => {
    const v = view(processing, {}, [features]);
    expect(v.tasks.some((t) => t.assets?.includes("inlets="))).toBe(false);
    expect(v.tasks.every((t) => t.assets?.includes("outlets=["))).toBe(true);
  });

  it("has none with assets: false", () => {
    const v = view(features, { assets: false }, [processing]);
    expect(v.imports.asset).toBe(false);
    expect(v.tasks.every((t) => t.assets === undefined || t.assets === null)).toBe(true);
  });

  it("renders the schedule: a list for all, `|` for any", () => {
    const uris = [`${DATA}/a`, `${DATA}/b`];
    expect(view(processing, { schedule: { assets: uris } }).assetSchedule).toBe(
      `[Asset("${uris[0]}"), Asset("${uris[1]}")]`,
    );
    expect(view(processing, { schedule: { assets: uris, when: "any" } }).assetSchedule).toBe(
      `(Asset("${uris[0]}") | Asset("${uris[1]}"))`,
    );
    expect(assetScheduleSource({ uris: [uris[0]!], when: "any" })).toBe(`[Asset("${uris[0]}")]`);
    // The asset schedule stands alone: Asset is imported even with assets: false.
    const off = view(processing, { schedule: { assets: uris }, assets: false });
    expect([off.imports.asset, off.schedule]).toEqual([true, null]);
  });

  it("refuses a schedule on the DAG's own outlet", () => {
    const own = `${DATA}/02_intermediate/preprocessed_shuttles.parquet`;
    expect(() => view(processing, { schedule: { assets: [`${DATA}/x`, own] } })).toThrow(
      /^c\.yaml: run_config\.schedule\.assets\[1\]: .* written by this DAG's own task for group "preprocess_shuttles_node"/,
    );
  });

  it("writes a URI through the one escaping helper", () => {
    expect(assetArguments({ outlets: ['gs://b/a"b'], inlets: [] })).toBe(
      'outlets=[\n    Asset("gs://b/a\\"b"),\n],',
    );
    expect(assetArguments({ outlets: [], inlets: [] })).toBeNull();
  });
});

describe("compile --manifest DIR and --peers", () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-assets-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
  const dagOf = (out: string, pipeline: string) =>
    fs.readFileSync(path.join(out, "dags", `spaceflights-spark__${pipeline}.py`), "utf8");

  it("gives a folder's pipelines each other as peers, and a single manifest --peers", () => {
    const a = path.join(tmp, "a");
    const args = ["--config", CONFIG, "--project", EXAMPLE];
    expect(cli(["compile", "--manifest", PIPELINES, ...args, "--out", a]).code).toBe(0);
    const inlet = `inlets=[\n            Asset("${DATA}/02_intermediate/preprocessed_companies.parquet"),`;
    expect(dagOf(a, "spark_features")).toContain(inlet);
    expect(dagOf(a, "data_processing")).not.toContain("inlets=");

    const b = path.join(tmp, "b");
    const single = path.join(PIPELINES, "spark_features.json");
    const peers = path.join(PIPELINES, "data_processing.json");
    expect(cli(["compile", "--manifest", single, ...args, "--out", b, "--peers", peers]).code).toBe(
      0,
    );
    expect(dagOf(b, "spark_features")).toBe(dagOf(a, "spark_features"));
    const c = path.join(tmp, "c");
    expect(cli(["compile", "--manifest", single, ...args, "--out", c]).code).toBe(0);
    expect(dagOf(c, "spark_features")).not.toContain("inlets=");
  });
});

describe("the components", () => {
  const tmpdir = os.tmpdir();
  const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
  const common = { runConfig: CONFIG, projectDir: EXAMPLE, dagBucket: "dags" };
  const inlet = `Asset("${DATA}/02_intermediate/preprocessed_shuttles.parquet"),\n        ],`;

  it("KedroAirflowPipelines gives each pipeline the others as peers", async () => {
    installMocks({ stack: "dev" });
    const component = new KedroAirflowPipelines("sf", { ...common, manifests: [PIPELINES] });
    const features = (await valueOf(component.deployments["spark_features"]!.dagText))!;
    const processing = (await valueOf(component.deployments["data_processing"]!.dagText))!;
    await settle();
    expect(features).toContain(`inlets=[`);
    expect(features).toContain(inlet);
    expect(processing).not.toContain("inlets=");
  });

  it("refuses peerManifests that are not a list of manifests", () => {
    installMocks({ stack: "bad" });
    const manifest = path.join(PIPELINES, "spark_features.json");
    const bad = (peerManifests: unknown) => () =>
      new KedroAirflowDeployment("x", {
        ...common,
        manifest,
        peerManifests: peerManifests as string[],
      });
    expect(bad("m.json")).toThrow(
      /args: peerManifests: expected a list of manifest files or folders/,
    );
    expect(bad([path.join(tmpdir, "none.json")])).toThrow(/none\.json: \(file\): cannot be read/);
  });

  it("KedroAirflowDeployment takes peerManifests", async () => {
    installMocks({ stack: "dev" });
    const manifest = path.join(PIPELINES, "spark_features.json");
    const alone = new KedroAirflowDeployment("a", { ...common, manifest });
    const a = (await valueOf(alone.dagText))!;
    await settle();
    installMocks({ stack: "other" }); // one DAG id per stack
    const withPeers = new KedroAirflowDeployment("b", {
      ...common,
      manifest,
      peerManifests: [path.join(PIPELINES, "data_processing.json")],
    });
    const b = (await valueOf(withPeers.dagText))!;
    await settle();
    expect(a).not.toContain("inlets=");
    expect(b).toContain(inlet);
  });
});

// ---- property: outlets and inlets against an independent model of the pipeline ----

interface Made {
  manifest: Manifest;
  peer: Manifest;
  /** Expected outlets and inlets by node name (pods only: one node per group). */
  expected: Map<string, { outlets: Set<string>; inlets: Set<string> }>;
}

const CANONICAL: Record<string, string> = { gs: "gs", gcs: "gs", s3: "s3", s3a: "s3" };
const segment = fc.stringMatching(/^[a-z0-9_. -]{1,8}$/).filter((s) => s.trim() === s);

const place = fc.record({
  scheme: fc.constantFrom("gs", "gcs", "s3", "s3a"),
  bucket: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,10}$/),
  key: fc.array(segment, { maxLength: 3 }),
  slash: fc.boolean(),
});
type Place = typeof place extends fc.Arbitrary<infer T> ? T : never;
const pathOf = (p: Place) => `${p.scheme}://${p.bucket}/${p.key.join("/")}${p.slash ? "/" : ""}`;
const uriOf = (p: Place) => `${CANONICAL[p.scheme]}://${p.bucket}/${p.key.join("/")}`;

const output = fc.oneof(
  { weight: 3, arbitrary: place.map((p) => ({ kind: "remote" as const, place: p })) },
  { weight: 1, arbitrary: place.map((p) => ({ kind: "transcoded" as const, place: p })) },
  { weight: 1, arbitrary: fc.constant({ kind: "local" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "memory" as const }) },
);

const shape = fc.record({
  nodes: fc.array(
    fc.record({
      outputs: fc.array(output, { minLength: 1, maxLength: 3 }),
      reads: fc.array(fc.nat(), { maxLength: 3 }),
      external: fc.array(fc.nat(), { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  externals: fc.array(place, { minLength: 1, maxLength: 4 }),
  peerWrites: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});

function build(s: typeof shape extends fc.Arbitrary<infer T> ? T : never): Made {
  const datasets: Record<string, object> = {};
  const nodes: object[] = [];
  // Readable datasets so far: name written, name read, expected URI (or null).
  const readable: { written: string; read: string; uri: string | null }[] = [];
  const expected: Made["expected"] = new Map();
  const loc = (p: string) => ({ ...remote(p), protocol: p.slice(0, p.indexOf("://")) });
  const externals = s.externals.map((p, j) => ({ name: `ext${j}`, uri: uriOf(p), place: p }));
  for (const p of externals)
    datasets[p.name] = { type: "pandas.CSVDataset", location: loc(pathOf(p.place)) };
  const peerWrites = externals.filter((_, j) => s.peerWrites[j]);

  s.nodes.forEach((n, i) => {
    const outlets = new Set<string>();
    const inlets = new Set<string>();
    const inputs = new Set<string>();
    for (const r of n.reads) {
      if (readable.length === 0) break;
      inputs.add(readable[r % readable.length]!.read);
    }
    for (const e of n.external) {
      const ext = externals[e % externals.length]!;
      inputs.add(ext.name);
      if (peerWrites.includes(ext)) inlets.add(ext.uri);
    }
    const outputs: string[] = [];
    n.outputs.forEach((o, k) => {
      const name = `d${i}_${k}`;
      if (o.kind === "remote") {
        datasets[name] = { type: "pandas.ParquetDataset", location: loc(pathOf(o.place)) };
        outputs.push(name);
        outlets.add(uriOf(o.place));
        readable.push({ written: name, read: name, uri: uriOf(o.place) });
      } else if (o.kind === "transcoded") {
        const location = loc(pathOf(o.place));
        datasets[`${name}@spark`] = { type: "spark.SparkDataset", location };
        datasets[`${name}@pandas`] = { type: "pandas.ParquetDataset", location };
        outputs.push(`${name}@pandas`);
        outlets.add(uriOf(o.place));
        readable.push({ written: `${name}@pandas`, read: `${name}@pandas`, uri: uriOf(o.place) });
      } else if (o.kind === "local") {
        // Written, never read by another task (that would be refused by the plan).
        datasets[name] = {
          type: "pandas.CSVDataset",
          location: {
            key: "filepath",
            path: `data/${name}.csv`,
            protocol: "file",
            local: true,
            relative: true,
          },
        };
        outputs.push(name);
      } else {
        outputs.push(name); // no catalog entry: in memory, read by no other task either
      }
    });
    nodes.push({ name: `n${i}`, inputs: [...inputs], outputs, tags: [] });
    expected.set(`n${i}`, { outlets, inlets });
  });
  // What this pipeline writes itself is no inlet, even when a peer writes it too.
  const own = new Set([...expected.values()].flatMap((e) => [...e.outlets]));
  for (const e of expected.values())
    for (const uri of e.inlets) if (own.has(uri)) e.inlets.delete(uri);
  const manifest = normaliseManifest(
    { schemaVersion: 1, project: { name: "prop" }, pipeline: "main", nodes, datasets },
    "generated",
  );
  const peer = normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "prop" },
      pipeline: "ingest",
      nodes: [{ name: "ingest", inputs: [], outputs: peerWrites.map((p) => p.name), tags: [] }],
      datasets: Object.fromEntries(peerWrites.map((p) => [p.name, datasets[p.name]])),
    },
    "peer",
  );
  return { manifest, peer, expected };
}

describe("property: every outlet comes from an output's location, every inlet from a peer", () => {
  it("matches the independent model for random pipelines", () => {
    const config = normaliseRunConfig({ run_config: { image: "img" } }, "c.yaml");
    fc.assert(
      fc.property(shape, (s) => {
        const { manifest, peer, expected } = build(s);
        const plan = planPipeline(manifest, config);
        const got = planAssets(manifest, plan, config, [peer, manifest]);
        expect(got).toHaveLength(plan.groups.length);
        plan.groups.forEach((group, g) => {
          // Pods only: one node per group.
          const want = expected.get(group.nodes[0]!)!;
          const have = got[g]!;
          expect(new Set(have.outlets)).toEqual(want.outlets);
          expect(new Set(have.inlets)).toEqual(want.inlets);
          expect(have.outlets).toEqual([...have.outlets].sort());
        });
      }),
      { numRuns: 150 },
    );
  });
});
