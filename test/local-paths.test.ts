import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError, InputErrors } from "../components/common/errors";
import { normaliseRunConfig } from "../components/config/load";
import { normaliseManifest } from "../components/manifest/load";
import { planPipeline } from "../components/planning/plan";
import { cli } from "./helpers/cli";

const TAG = "kedro-airflow-k8s.group.pyspark";
const local = (p: string) => ({
  key: "filepath",
  path: p,
  protocol: "file",
  local: true,
  relative: !p.startsWith("/"),
});
const remote = (p: string) => ({
  key: "filepath",
  path: p,
  protocol: "gs",
  local: false,
  relative: false,
});

/** a (pod) -> x -> s (Spark) -> y -> b (pod), with x and y where the test puts them. */
function manifest(x: object | null, y: object | null, extra: Record<string, unknown> = {}) {
  return normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "p", package: "p" },
      env: "prod",
      nodes: [
        { name: "a", inputs: ["raw"], outputs: ["x"] },
        { name: "s", inputs: ["x"], outputs: ["y"], tags: [TAG] },
        { name: "b", inputs: ["y"], outputs: ["z"] },
      ],
      datasets: {
        raw: { type: "pandas.CSVDataset", location: local("data/01_raw/raw.csv") },
        x: { type: "pandas.ParquetDataset", ...(x ? { location: x } : {}) },
        y: { type: "pandas.ParquetDataset", ...(y ? { location: y } : {}) },
        z: { type: "pandas.ParquetDataset", location: local("data/z.parquet") },
        ...extra,
      },
    },
    "m.json",
  );
}

const config = (shared: string[] = []) =>
  normaliseRunConfig({ run_config: { shared_filesystems: shared } }, "c.yaml");

const planError = (m: ReturnType<typeof manifest>, shared: string[] = []): InputError => {
  try {
    planPipeline(m, config(shared), { manifest: "m.json" });
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected the plan to fail");
};

describe("local paths across tasks", () => {
  it("accepts remote paths, and local paths that stay inside one task", () => {
    // raw is read by the first task only and z never leaves the last: neither crosses.
    const p = planPipeline(manifest(remote("gs://b/x"), remote("gs://b/y")), config());
    expect(p.groups.map((g) => g.name)).toEqual(["a", "pyspark_s", "b"]);
  });

  it("fails with one line per crossing dataset, naming producer, consumer and the fixes", () => {
    const err = planError(manifest(local("data/x.parquet"), local("/abs/y.parquet")));
    expect(err).toBeInstanceOf(InputErrors);
    const lines = err.message.split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^m\.json: datasets\.x\.location: local path "data\/x\.parquet" is written by task "a" and read by task "pyspark_s", which share no disk with it; give the dataset a remote path \(gs:\/\/\.\.\.\) in the deployment's Kedro env, declare its storage in run_config\.shared_filesystems if every task mounts it, or make it a MemoryDataset so both nodes run in one task$/,
      ),
      expect.stringMatching(
        /^m\.json: datasets\.y\.location: local path "\/abs\/y\.parquet" is written by task "pyspark_s" and read by task "b",/,
      ),
    ]);
  });

  it("lets shared_filesystems prefixes through, relative ones against relative paths only", () => {
    const m = manifest(local("data/x.parquet"), local("/mnt/nfs/y.parquet"));
    expect(() => planPipeline(m, config(["data", "/mnt/nfs/"]))).not.toThrow();
    expect(() => planPipeline(m, config(["./data/", "/mnt/nfs"]))).not.toThrow();
    // a prefix is a folder, not a string prefix; and a relative prefix does not cover /data
    expect(planError(m, ["dat", "/mnt/nfs"]).message).toMatch(/datasets\.x\.location/);
    expect(planError(manifest(local("/data/x"), null), ["data"]).message).toMatch(/datasets\.x/);
    expect(planError(m, ["data"]).message).not.toMatch(/datasets\.x/);
  });

  it("treats file:// as local, and judges both entries of a transcoded dataset", () => {
    expect(planError(manifest(local("file:///tmp/x"), null)).message).toMatch(
      /"file:\/\/\/tmp\/x"/,
    );
    const m = normaliseManifest(
      {
        schemaVersion: 1,
        project: { name: "p" },
        nodes: [
          { name: "w", inputs: [], outputs: ["t@spark"], tags: [TAG] },
          { name: "r", inputs: ["t@pandas"], outputs: [] },
        ],
        datasets: {
          "t@spark": { type: "spark.SparkDataset", location: remote("gs://b/t") },
          "t@pandas": { type: "pandas.ParquetDataset", location: local("data/t") },
        },
      },
      "m.json",
    );
    expect(planError(m).message).toMatch(
      /^m\.json: datasets\["t@pandas"\]\.location: .* by task "pyspark_w" and read by task "r"/,
    );
  });

  it("does not judge datasets without a location, tables, or in-memory data", () => {
    const table = { key: "table", path: "db.t", protocol: null, local: false, relative: false };
    expect(() => planPipeline(manifest(null, table), config())).not.toThrow();
  });
});

describe("the deployment env", () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-env-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A dataproc deployment of `manifest(remote, remote)` with the given env settings. */
  function compile(opts: {
    manifestEnv: string | null;
    configEnv?: string;
    flag?: string;
    confDirs?: string[];
  }) {
    const project = path.join(tmp, "project");
    fs.mkdirSync(path.join(project, "src"), { recursive: true });
    fs.writeFileSync(path.join(project, "pyproject.toml"), "[tool.kedro]\n");
    for (const dir of opts.confDirs ?? ["base", "prod"]) {
      fs.mkdirSync(path.join(project, "conf", dir), { recursive: true });
      fs.writeFileSync(path.join(project, "conf", dir, "parameters.yml"), "{}\n");
    }
    const m = JSON.parse(JSON.stringify(manifest(remote("gs://b/x"), remote("gs://b/y"))));
    m.env = opts.manifestEnv;
    fs.writeFileSync(path.join(tmp, "m.json"), JSON.stringify(m));
    const run: Record<string, unknown> = {
      image: "img",
      spark: {
        type: "dataproc",
        project_id: "p",
        region: "r",
        artifacts_path: "gs://kak-artifacts/b",
      },
    };
    if (opts.configEnv !== undefined) run["env"] = opts.configEnv;
    fs.writeFileSync(path.join(tmp, "c.yaml"), JSON.stringify({ run_config: run }));
    const outDir = path.join(tmp, "out");
    const r = cli([
      "compile",
      ...["--manifest", path.join(tmp, "m.json"), "--config", path.join(tmp, "c.yaml")],
      ...["--project", project, "--out", outDir, "--json"],
      ...(opts.flag ? ["--env", opts.flag] : []),
    ]);
    return { ...r, written: fs.existsSync(outDir) };
  }

  it("passes the chosen env to every task, and no --env when none is chosen", () => {
    const chosen = compile({ manifestEnv: "prod", configEnv: "prod" });
    expect(chosen.code).toBe(0);
    const dag = fs.readFileSync(JSON.parse(chosen.out).dag, "utf8");
    expect(dag).toContain('"run", "--env", "prod", "--pipeline"');
    const none = compile({ manifestEnv: null });
    expect(none.code).toBe(0);
    const plain = fs.readFileSync(JSON.parse(none.out).dag, "utf8");
    expect(plain).not.toContain("--env");
    const script = JSON.parse(none.out).artifacts.find((a: { name: string }) =>
      a.name.startsWith("pyspark_s-"),
    );
    expect(fs.readFileSync(script.file, "utf8")).toContain("ENV = None");
  });

  it("takes --env over run_config.env", () => {
    const r = compile({
      manifestEnv: "staging",
      configEnv: "prod",
      flag: "staging",
      confDirs: ["base", "staging"],
    });
    expect(r.err).toBe("");
    expect(fs.readFileSync(JSON.parse(r.out).dag, "utf8")).toContain('"--env", "staging"');
  });

  it.each([
    [
      "a manifest exported in another env",
      { manifestEnv: "local", configEnv: "prod" },
      /c\.yaml: run_config\.env: the tasks would run with env "prod", but .*m\.json was exported with env "local"; re-export it with --env prod$/,
    ],
    [
      "an env chosen at export but not for the tasks",
      { manifestEnv: "prod" },
      /c\.yaml: run_config\.env: the tasks would run with no env \(Kedro's default\), but .*m\.json was exported with env "prod"; set run_config\.env: prod \(or pass --env prod\)$/,
    ],
    [
      "an env whose folder is not deployed",
      { manifestEnv: "prod", configEnv: "prod", confDirs: ["base"] },
      /c\.yaml: run_config\.env: env "prod" is not in the project archive \(.*conf\/prod has no file that is archived\)$/,
    ],
    [
      "conf/local, which is never archived",
      { manifestEnv: "local", configEnv: "local", confDirs: ["base", "local"] },
      /run_config\.env: env "local" is not in the project archive \(conf\/local is developer-local configuration and is never archived; deploy another env\)$/,
    ],
    [
      "a bad --env",
      { manifestEnv: "prod", configEnv: "prod", flag: "../x" },
      /usage error: --env expects a Kedro env name like prod, got "\.\.\/x"/,
    ],
  ])("refuses %s: one line, exit 2, nothing written", (_what, opts, message) => {
    const r = compile(opts);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err.trim()).toMatch(message);
    expect(r.written).toBe(false);
  });

  it("names the command line when the env came from --env", () => {
    const r = compile({ manifestEnv: "prod", configEnv: "prod", flag: "qa" });
    expect(r.err.trim()).toMatch(
      /^kedro-airflow-k8s: error: command line: --env: the tasks would run with env "qa"/,
    );
  });
});
