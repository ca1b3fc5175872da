import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cli } from "./helpers/cli";

const ROOT = path.resolve(__dirname, "..");
const ANCHOR = path.join(__dirname, "fixtures", "anchor.manifest.json");
const ANCHOR_CONFIG = path.join(__dirname, "fixtures", "anchor.run-config.yaml");

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-cli-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("plan", () => {
  it("prints each group, its kind, its nodes with reasons, what it waits for, and the counts", () => {
    const { code, out, err } = cli(["plan", "--manifest", ANCHOR, "--config", ANCHOR_CONFIG]);
    expect(code).toBe(0);
    expect(out).toContain("pyspark_A  [spark]  waits for: nothing");
    expect(out).toContain(
      '  - X  (rule 4, sandwiched: takes "a_side" from "A" and feeds "x_out" to "Y", both in this group)',
    );
    expect(out).toContain("  - A  (rule 1, tag: tagged kedro-airflow-k8s:group:pyspark)");
    expect(out).toContain("C  [default]  waits for: pyspark_A");
    expect(out).toContain(
      "5 nodes, 5 edges -> 2 tasks (1 Spark job, 1 pod); 2 Spark nodes, 2 default nodes inside Spark jobs",
    );
    // Seed keys are accepted, and the user is told they do nothing.
    expect(err).toBe(
      `kedro-airflow-k8s: warning: ${ANCHOR_CONFIG}: run_config.volume: seed plugin setting, accepted but not used\n`,
    );
  });

  it("prints the documented JSON with --json", () => {
    const { code, out } = cli(["plan", "--manifest", ANCHOR, "--json"]);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      groups: { name: string; kind: string; nodes: string[]; upstream: string[] }[];
    };
    expect(
      doc.groups.map(({ name, kind, nodes, upstream }) => ({ name, kind, nodes, upstream })),
    ).toEqual([
      { name: "pyspark_A", kind: "spark", nodes: ["A", "X", "Y", "B"], upstream: [] },
      { name: "C", kind: "default", nodes: ["C"], upstream: ["pyspark_A"] },
    ]);
  });

  it("gives byte-identical --json output on every run", () => {
    const a = cli(["plan", "--manifest", ANCHOR, "--json"]).out;
    const b = cli(["plan", "--manifest", ANCHOR, "--json"]).out;
    expect(a).toBe(b);
  });

  it("writes a Mermaid flowchart with Spark groups as subgraphs", () => {
    const file = path.join(tmp, "plan.mmd");
    expect(cli(["plan", "--manifest", ANCHOR, "--mermaid", file]).code).toBe(0);
    const text = fs.readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe("flowchart TD");
    expect(text).toContain('subgraph g0 ["pyspark_A (spark)"]');
    expect(text).toContain('n1["X"]:::pulledNode');
    expect(text).toContain("g0 --> g1");
  });

  it("escapes names that Mermaid would read as syntax", () => {
    const manifest = path.join(tmp, "m.json");
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schemaVersion: 1,
        project: { name: "p" },
        nodes: [
          {
            name: 'f([a;b]) -> "c"',
            inputs: ["a"],
            outputs: ["c"],
            tags: ["kedro-airflow-k8s:group:pyspark"],
          },
        ],
      }),
    );
    const file = path.join(tmp, "plan.mmd");
    expect(cli(["plan", "--manifest", manifest, "--mermaid", file]).code).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toContain('n0["f([a;b]) -#gt; #quot;c#quot;"]');
  });

  it("fails with one line, exit 2 and nothing written on bad input", () => {
    const manifest = path.join(tmp, "bad.json");
    fs.writeFileSync(
      manifest,
      JSON.stringify({ schemaVersion: 1, project: { name: "p" }, nodes: [{ name: "a" }] }),
    );
    const file = path.join(tmp, "plan.mmd");
    const { code, out, err } = cli(["plan", "--manifest", manifest, "--mermaid", file]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toBe(
      `kedro-airflow-k8s: error: ${manifest}: nodes[0].inputs: is required (expected an array of dataset names (params:x and parameters included))\n`,
    );
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(tmp)).toEqual(["bad.json"]);
  });

  it("fails on a bad run config the same way", () => {
    const config = path.join(tmp, "c.yaml");
    fs.writeFileSync(config, "run_config:\n  spark:\n    type: emr\n");
    const { code, err } = cli(["plan", "--manifest", ANCHOR, "--config", config]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /^kedro-airflow-k8s: error: .*c\.yaml: run_config\.spark\.type: expected one of .*, got "emr"\n$/,
    );
  });

  it.each([
    [["plan"], "--manifest is required"],
    [["plan", "--manifest", ANCHOR, "--bogus"], "Unknown option '--bogus'"],
    [["plan", "--manifest"], "--manifest"],
    [["deploy"], 'unknown command "deploy"'],
    [[], "a command is required"],
  ])("rejects the command line %j", (args, message) => {
    const { code, err } = cli(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err.trim().split("\n")).toHaveLength(1);
  });

  it("names a missing manifest file", () => {
    const { code, err } = cli(["plan", "--manifest", path.join(tmp, "none.json")]);
    expect(code).toBe(2);
    expect(err).toContain("none.json: (file): cannot be read (ENOENT)");
  });
});

describe("the installed binary", () => {
  // The CLI's modules in one file (scripts/bundle.mjs): what `npm install` links as the binary.
  const bin = path.join(ROOT, "dist", "cli.js");

  it("is built by the set-up command and declared in package.json", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin["kedro-airflow-k8s"]).toBe("dist/cli.js");
    expect(fs.readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
  });

  it("runs with node and exits with the command's code", () => {
    const ok = spawnSync(process.execPath, [bin, "plan", "--manifest", ANCHOR, "--json"], {
      encoding: "utf8",
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).groups).toHaveLength(2);
    const bad = spawnSync(process.execPath, [bin, "plan", "--manifest", "/nonexistent.json"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      "kedro-airflow-k8s: error: /nonexistent.json: (file): cannot be read (ENOENT)\n",
    );
  });
});
