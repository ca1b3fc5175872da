/**
 * The CLI as a user runs it: one fresh `node` process per call, start-up included, timed from
 * spawn to exit, against a floor process that reads the same manifest, JSON.parses it and walks
 * every input and output (`node -e`, same Node, same file), and a bare `node -e 0`. The kinds
 * of process alternate run by run, so a burst of load from elsewhere hits them alike.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { median, repoRoot, RUN_CONFIG_YAML, scratchDir, tinyProject } from "./common";

export interface CliResult {
  nodes: number;
  runs: number;
  /** Which environment the processes ran in: "as set" or with NODE_EXTRA_CA_CERTS removed. */
  environment: CliEnvironment;
  medians: { start: number; floor: number; plan: number; compile: number };
  samples: { start: number[]; floor: number[]; plan: number[]; compile: number[] };
}

const FLOOR = `
const data = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
let touched = 0;
for (const node of data.nodes) {
  for (const name of node.inputs) touched += name.length;
  for (const name of node.outputs) touched += name.length;
}
process.stdout.write(String(touched));
`;

/**
 * "as set": the environment the bench was started in. "no extra certificates": the same without
 * NODE_EXTRA_CA_CERTS, which Node reads and parses in every process before the first line of any
 * script (about 90 ms here, with the system bundle); most users' machines do not set it.
 */
export type CliEnvironment = "as set" | "no extra certificates";

function environmentOf(kind: CliEnvironment): NodeJS.ProcessEnv {
  if (kind === "as set") return process.env;
  const env = { ...process.env };
  delete env["NODE_EXTRA_CA_CERTS"];
  return env;
}

/** The file package.json declares as the binary: what a user's `kedro-airflow-k8s` runs. */
function installedBinary(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as {
    bin: Record<string, string>;
  };
  return path.join(repoRoot(), pkg.bin["kedro-airflow-k8s"]!);
}

function timedProcess(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, {
    env,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    throw new Error(`bench: node ${args.join(" ")} exited with ${child.status}: ${child.stderr}`);
  }
  return elapsed;
}

export function measureCli(
  manifest: string,
  nodes: number,
  runs: number,
  environment: CliEnvironment = "as set",
  bin = installedBinary(),
): CliResult {
  const env = environmentOf(environment);
  if (!fs.existsSync(bin)) throw new Error(`bench: ${bin} is missing (npm run build)`);
  const dir = scratchDir(`cli-${nodes}`);
  const config = path.join(dir, "airflow-k8s.yaml");
  fs.writeFileSync(config, RUN_CONFIG_YAML);
  const project = tinyProject();
  const out = path.join(dir, "out");
  const kinds = {
    // A bare start-up (`node -e 0`): what every process pays before its first line, so that
    // what the floor and the CLI add can be told apart from what Node and the machine cost.
    start: () => timedProcess(["-e", "0"], env),
    floor: () => timedProcess(["-e", FLOOR, manifest], env),
    plan: () => timedProcess([bin, "plan", "--manifest", manifest, "--json"], env),
    compile: () => {
      fs.rmSync(out, { recursive: true, force: true }); // a first compile: every file written
      return timedProcess(
        [
          bin,
          "compile",
          "--manifest",
          manifest,
          "--config",
          config,
          "--project",
          project,
          "--out",
          out,
        ],
        env,
      );
    },
  };
  const samples: CliResult["samples"] = { start: [], floor: [], plan: [], compile: [] };
  const order = ["start", "floor", "plan", "compile"] as const;
  for (const kind of order) kinds[kind](); // one warm-up each: the file cache, not the JIT
  for (let i = 0; i < runs; i++) {
    // Rotate the order so that no kind always runs right after another.
    for (let k = 0; k < order.length; k++) {
      const kind = order[(i + k) % order.length]!;
      samples[kind].push(kinds[kind]());
    }
  }
  return {
    nodes,
    runs,
    environment,
    medians: {
      start: median(samples.start),
      floor: median(samples.floor),
      plan: median(samples.plan),
      compile: median(samples.compile),
    },
    samples,
  };
}
