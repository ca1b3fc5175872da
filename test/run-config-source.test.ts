import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import YAML from "yaml";
import { chooseRunConfig, describeRunConfigOrigin } from "../components/config/choose";
import { loadManifestFile, normaliseManifest } from "../components/manifest/load";
import { prepareDeployment } from "../components/resources/prepare";
import { cli } from "./helpers/cli";

/*
 * Which run config a deployment uses: an explicit one (--config, args.runConfig) wins; else the
 * manifest's runConfig, which the exporter resolved through the project's Kedro config loader;
 * else plan's defaults, and an error for compile and the component.
 */
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const MANIFEST = path.join(EXAMPLE, "manifest.json");
const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
const ANCHOR = path.join(__dirname, "fixtures", "anchor.manifest.json");
const raw = () => JSON.parse(fs.readFileSync(MANIFEST, "utf8")) as Record<string, unknown>;

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-runconfig-"))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the example manifest", () => {
  it("carries the run config of conf/base, resolved in env cloud", () => {
    const manifest = loadManifestFile(MANIFEST);
    expect(manifest.env).toBe("cloud");
    // conf/cloud has no airflow-k8s file, so Kedro's loader gave base's run_config unchanged.
    expect(manifest.runConfig).toEqual(YAML.parse(fs.readFileSync(CONFIG, "utf8")).run_config);
  });
});

describe("chooseRunConfig", () => {
  const manifest = loadManifestFile(MANIFEST);
  const hint = { hint: "pass --config FILE" };

  it("prefers an explicit file, then an explicit object, then the manifest's", () => {
    const object = { run_config: { image: "explicit:1", env: "cloud" } };
    expect(chooseRunConfig(CONFIG, manifest, MANIFEST, hint).origin).toEqual({
      kind: "file",
      file: CONFIG,
    });
    const fromObject = chooseRunConfig(object, manifest, MANIFEST, {
      ...hint,
      argument: "args.runConfig",
    });
    expect(fromObject.config.image).toBe("explicit:1");
    expect(fromObject.source).toBe("args.runConfig");
    const fromManifest = chooseRunConfig(undefined, manifest, MANIFEST, hint);
    expect(fromManifest.origin).toEqual({ kind: "manifest", manifest: MANIFEST, env: "cloud" });
    expect(fromManifest.config.image).toBe(manifest.runConfig!["image"]);
    expect(describeRunConfigOrigin(fromManifest.origin)).toBe(
      `run config: ${MANIFEST} (runConfig, exported in env cloud)`,
    );
  });

  it("takes the manifest's env when its run config names none, and keeps one it names", () => {
    fc.assert(
      fc.property(
        fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { nil: null }),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { nil: undefined }),
        (manifestEnv, configEnv) => {
          const doc = { ...raw(), env: manifestEnv, runConfig: { image: "i:1" } };
          if (configEnv !== undefined)
            (doc.runConfig as Record<string, unknown>)["env"] = configEnv;
          const chosen = chooseRunConfig(
            undefined,
            normaliseManifest(doc, "m.json"),
            "m.json",
            hint,
          );
          expect(chosen.config.env).toBe(configEnv === undefined ? manifestEnv : configEnv);
          expect(chosen.config.image).toBe("i:1");
        },
      ),
      { numRuns: 50 },
    );
  });

  it("validates the manifest's run config when it is used, naming the manifest", () => {
    const doc = { ...raw(), runConfig: { image: "", spark: { type: "dataproc" } } };
    const manifest2 = normaliseManifest(doc, "m.json"); // the manifest schema only wants an object
    expect(() => chooseRunConfig(undefined, manifest2, "m.json", hint)).toThrow(
      /^m\.json \(runConfig\): run_config\.image: expected a non-empty container image/,
    );
    // An explicit run config wins, so a bad one in the manifest is never read.
    expect(chooseRunConfig(CONFIG, manifest2, "m.json", hint).config.image).toContain(
      "spaceflights",
    );
  });

  it("falls back to defaults only when asked, else names the missing runConfig", () => {
    const bare = loadManifestFile(ANCHOR);
    expect(bare.runConfig).toBeNull();
    const defaults = chooseRunConfig(undefined, bare, ANCHOR, { ...hint, allowDefaults: true });
    expect(defaults.origin.kind).toBe("defaults");
    expect(defaults.config.groupSparkNodes).toBe(true);
    expect(() => chooseRunConfig(undefined, bare, ANCHOR, hint)).toThrow(
      `${ANCHOR}: runConfig: is absent (no airflow-k8s* file in its Kedro env at export time) and no run config was given; pass --config FILE`,
    );
  });
});

describe("the CLI", () => {
  it("plan says which run config it used", () => {
    const fromManifest = cli(["plan", "--manifest", MANIFEST]);
    expect(fromManifest.code).toBe(0);
    expect(fromManifest.out.split("\n").slice(0, 2)).toEqual([
      "Plan for spaceflights-spark, pipeline __default__",
      `run config: ${MANIFEST} (runConfig, exported in env cloud)`,
    ]);
    const explicit = cli(["plan", "--manifest", MANIFEST, "--config", CONFIG]);
    expect(explicit.out.split("\n")[1]).toBe(`run config: ${CONFIG}`);
    const none = cli(["plan", "--manifest", ANCHOR]);
    expect(none.out.split("\n")[1]).toBe(
      "run config: none (defaults: grouping on, no extra Spark dataset types)",
    );
  });

  it("plan applies the manifest's run config: grouping off there splits the Spark job", () => {
    const doc = raw();
    (doc.runConfig as Record<string, unknown>)["group_spark_nodes"] = false;
    const file = path.join(tmp, "manifest.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    const jobs = (args: string[]) =>
      (JSON.parse(cli(["plan", ...args, "--json"]).out) as { counts: { sparkJobs: number } }).counts
        .sparkJobs;
    expect(jobs(["--manifest", MANIFEST])).toBe(1);
    expect(jobs(["--manifest", file])).toBeGreaterThan(1);
    expect(jobs(["--manifest", file, "--config", CONFIG])).toBe(1); // explicit wins
  });

  it("compile without --config writes what compile with the same run config file writes", () => {
    const out = (name: string, extra: string[]) => {
      const dir = path.join(tmp, name);
      const done = cli(["compile", "--manifest", MANIFEST, "--out", dir, ...extra]);
      expect([done.code, done.err]).toEqual([0, ""]);
      return dir;
    };
    // Without --config the project defaults to the manifest's folder, so it is archived as well.
    const implicit = out("implicit", []);
    const explicit = out("explicit", ["--config", CONFIG]);
    const files = (dir: string) =>
      fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort();
    expect(files(implicit)).toEqual(files(explicit));
    expect(files(implicit).some((f) => f.endsWith(".tar.gz"))).toBe(true);
    for (const f of files(implicit)) {
      expect([f, fs.readFileSync(path.join(implicit, f))]).toEqual([
        f,
        fs.readFileSync(path.join(explicit, f)),
      ]);
    }
  });

  it("compile without --config and without a runConfig in the manifest: one line, exit 2, nothing written", () => {
    const dir = path.join(tmp, "out");
    const done = cli(["compile", "--manifest", ANCHOR, "--out", dir]);
    expect(done.code).toBe(2);
    expect(done.err).toBe(
      `kedro-airflow-k8s: error: ${ANCHOR}: runConfig: is absent (no airflow-k8s* file in its Kedro env at export time) and no run config was given; pass --config FILE\n`,
    );
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe("prepareDeployment (the component's core)", () => {
  it("uses the manifest's run config without one, and an explicit one over it", () => {
    const implicit = prepareDeployment({ manifest: MANIFEST, projectDir: EXAMPLE });
    expect(implicit.configOrigin.kind).toBe("manifest");
    expect(implicit.configSource).toBe(`${MANIFEST} (runConfig)`);
    expect(implicit.compiled.dagId).toBe("spaceflights-spark");
    const fromFile = prepareDeployment({
      manifest: MANIFEST,
      runConfig: CONFIG,
      projectDir: EXAMPLE,
    });
    expect(fromFile.compiled.dag.content).toBe(implicit.compiled.dag.content);
    const renamed = YAML.parse(fs.readFileSync(CONFIG, "utf8"));
    renamed.run_config.run_name = "canary";
    const explicit = prepareDeployment({
      manifest: MANIFEST,
      runConfig: renamed,
      projectDir: EXAMPLE,
    });
    expect(explicit.compiled.dagId).toBe("canary");
    expect(explicit.configSource).toBe("args.runConfig");
  });

  it("still refuses a run config whose env differs from the manifest's, naming the manifest's key", () => {
    const doc = raw();
    (doc.runConfig as Record<string, unknown>)["env"] = "prod";
    expect(() => prepareDeployment({ manifest: doc, projectDir: EXAMPLE })).toThrow(
      /^args\.manifest \(runConfig\): run_config\.env: the tasks would run with env "prod", but args\.manifest was exported with env "cloud"/,
    );
  });
});
