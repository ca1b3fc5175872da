import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateManifest, manifestText } from "../bench/generate";
import { cli } from "./helpers/cli";

/**
 * Every output of the CLI on the benchmark's manifests, as SHA-256 digests compared with the
 * snapshot taken before the start-up and speed work (in the commit that adds this test): plan text, plan
 * JSON, Mermaid, and compile's files and summary, from the sources (in-process) and from the
 * built binary (generated validators, lazy loading). Any byte that changes fails here.
 */
const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "dist", "components", "cli", "main.js");
const PROJECT = path.join(__dirname, "fixtures", "compile", "project");
const CONFIG = [
  "run_config:",
  "  image: img",
  "  spark:",
  "    type: dataproc",
  "    project_id: p",
  "    region: r",
  "    artifacts_path: gs://bench-artifacts/a",
  "",
].join("\n");

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-outputs-"))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Runner = (args: string[]) => { code: number; out: string; err: string };
const inProcess: Runner = cli;
const binary: Runner = (args) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};

function outputs(run: Runner, nodes: number, tag: string): Record<string, string> {
  const dir = path.join(tmp, `${tag}-${nodes}`);
  fs.mkdirSync(dir);
  const manifest = path.join(dir, "manifest.json");
  fs.writeFileSync(
    manifest,
    nodes === 0
      ? manifestText({ schemaVersion: 1, project: { name: "empty" }, nodes: [] } as never)
      : manifestText(generateManifest(nodes, 42).manifest),
  );
  const config = path.join(dir, "airflow-k8s.yaml");
  fs.writeFileSync(config, CONFIG);
  const digests: Record<string, string> = {};
  const ok = (args: string[]) => {
    const r = run(args);
    // The bench manifests record no env, so compile warns (once) that Kedro's default env is
    // not deployed; nothing else may reach stderr.
    const envWarning =
      /^kedro-airflow-k8s: warning: \S+: run_config\.env: not set, so the Spark tasks run in Kedro's default env [^\n]*\n$/;
    if (args[0] === "compile" && nodes > 0) expect(r.err).toMatch(envWarning);
    else expect(r.err).toBe("");
    expect(r.code).toBe(0);
    return r.out.split(dir).join("<dir>");
  };
  digests["plan"] = sha256(ok(["plan", "--manifest", manifest]));
  const mermaid = path.join(dir, "plan.mmd");
  digests["plan --json"] = sha256(
    ok(["plan", "--manifest", manifest, "--config", config, "--json", "--mermaid", mermaid]),
  );
  digests["plan.mmd"] = sha256(fs.readFileSync(mermaid));
  const out = path.join(dir, "out");
  const args = ["compile", "--manifest", manifest, "--config", config, "--project", PROJECT];
  digests["compile --json"] = sha256(ok([...args, "--out", out, "--json"]));
  const walk = (d: string): string[] =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const file of walk(out).sort()) {
    digests[path.relative(out, file)] = sha256(fs.readFileSync(file));
  }
  return digests;
}

describe.each([0, 100, 2000])("outputs on the %i-node bench manifest", (nodes) => {
  let fromSources: Record<string, string> | undefined;
  it("are byte-identical to the snapshot, from the sources", () => {
    fromSources = outputs(inProcess, nodes, "src");
    expect(Object.keys(fromSources).length).toBeGreaterThanOrEqual(6);
    expect(fromSources).toMatchSnapshot();
  });
  it("are byte-identical from the built binary too", () => {
    expect(fromSources).toBeDefined();
    expect(outputs(binary, nodes, "bin")).toEqual(fromSources);
  });
});
