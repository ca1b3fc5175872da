import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cli } from "./helpers/cli";

// `plan` and `compile` with --manifest DIR: the folder `manifest --all --out DIR` writes.
const ROOT = path.join(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples", "spaceflights_spark");
const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
const PIPELINES = path.join(__dirname, "fixtures", "pipelines");

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-cli-pipelines-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ["dags", "artifacts"]) {
    for (const name of fs.readdirSync(path.join(dir, sub)).sort()) {
      out[`${sub}/${name}`] = fs.readFileSync(path.join(dir, sub, name), "latin1");
    }
  }
  return out;
}

describe("plan --manifest DIR", () => {
  it("prints every pipeline's plan, as text and as a JSON array", () => {
    const text = cli(["plan", "--manifest", PIPELINES, "--config", CONFIG]);
    expect(text.code).toBe(0);
    const heads = text.out.split("\n").filter((l) => l.startsWith("Plan for "));
    expect(heads).toEqual([
      "Plan for spaceflights-spark, pipeline data_processing",
      "Plan for spaceflights-spark, pipeline spark_features",
    ]);
    const json = cli(["plan", "--manifest", PIPELINES, "--config", CONFIG, "--json"]);
    expect(json.code).toBe(0);
    const plans = JSON.parse(json.out) as { pipeline: string; counts: { sparkJobs: number } }[];
    expect(plans.map((p) => [p.pipeline, p.counts.sparkJobs])).toEqual([
      ["data_processing", 0],
      ["spark_features", 1],
    ]);
  });

  it("refuses --mermaid for a folder (one drawing per pipeline)", () => {
    const file = path.join(tmp, "m.md");
    const done = cli(["plan", "--manifest", PIPELINES, "--mermaid", file]);
    expect(done.code).toBe(2);
    expect(done.err).toMatch(/^kedro-airflow-k8s: usage error: --mermaid draws one pipeline/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("compile --manifest DIR", () => {
  it("writes one DAG per pipeline and each shared artifact once, byte-identical on every run", () => {
    const a = path.join(tmp, "a");
    const done = cli(["compile", "--manifest", PIPELINES, "--config", CONFIG, "--project", EXAMPLE, "--out", a, "--json"]); // prettier-ignore
    expect(done.code).toBe(0);
    const summaries = JSON.parse(done.out) as { dagId: string; artifacts: { name: string }[] }[];
    expect(summaries.map((s) => s.dagId)).toEqual([
      "spaceflights-spark__data_processing",
      "spaceflights-spark__spark_features",
    ]);
    const files = tree(a);
    expect(Object.keys(files).filter((f) => f.startsWith("dags/"))).toEqual([
      "dags/spaceflights-spark__data_processing.py",
      "dags/spaceflights-spark__spark_features.py",
    ]);
    const named = new Set(summaries.flatMap((s) => s.artifacts.map((x) => `artifacts/${x.name}`)));
    expect(Object.keys(files).filter((f) => f.startsWith("artifacts/"))).toEqual([...named].sort());
    const b = path.join(tmp, "b");
    expect(cli(["compile", "--manifest", PIPELINES, "--config", CONFIG, "--project", EXAMPLE, "--out", b]).code).toBe(0); // prettier-ignore
    expect(tree(b)).toEqual(files);
  });

  it("names a bad folder in one line and writes nothing", () => {
    const out = path.join(tmp, "out");
    const run = (dir: string) =>
      cli(["compile", "--manifest", dir, "--config", CONFIG, "--project", EXAMPLE, "--out", out]);
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    expect(run(empty)).toEqual({
      code: 2,
      out: "",
      err: `kedro-airflow-k8s: error: ${empty}: (folder): expected manifest files (*.json, as \`manifest --all --out DIR\` writes them), found none\n`,
    });
    const twice = path.join(tmp, "twice");
    fs.mkdirSync(twice);
    const manifest = fs.readFileSync(path.join(PIPELINES, "spark_features.json"));
    fs.writeFileSync(path.join(twice, "a.json"), manifest);
    fs.writeFileSync(path.join(twice, "b.json"), manifest);
    expect(run(twice).err).toBe(
      `kedro-airflow-k8s: error: ${path.join(twice, "b.json")}: pipeline: pipeline "spark_features" is also in ${path.join(twice, "a.json")}; each pipeline once\n`,
    );
    const other = path.join(tmp, "other");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "a.json"), manifest);
    fs.writeFileSync(path.join(other, "b.json"), "{}");
    const bad = run(other);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      new RegExp(`^kedro-airflow-k8s: error: ${path.join(other, "b.json")}: `),
    );
    expect(bad.err.split("\n")).toHaveLength(2);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("manifest --all", () => {
  it("refuses --all together with --pipeline", () => {
    const done = cli(["manifest", "--project", EXAMPLE, "--all", "--pipeline", "a"]);
    expect(done).toEqual({
      code: 2,
      out: "",
      err: "kedro-airflow-k8s: usage error: give --pipeline or --all, not both (see kedro-airflow-k8s --help)\n",
    });
  });
});
