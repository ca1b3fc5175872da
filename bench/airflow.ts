/**
 * `npm run bench:airflow`: how long Airflow takes to parse the generated DAG, against a floor
 * DAG with the same task ids and edges made only of EmptyOperator. For each size: generate a
 * manifest (seeded), compile it with the CLI (`dist/`, Dataproc backend), write the floor DAG
 * from the real DAG's tasks and edges, then parse each file under Airflow 3 and 2 (the pinned
 * virtualenvs), each file in its own process: `warm` parses after the providers are imported
 * (medians of several runs, DagBag's own per-file time); `cold` is one parse in a fresh process
 * that pays for the provider imports, as the DAG processor does.
 *
 *   npm run bench:airflow -- [--sizes 100,1000,5000] [--runs 7] [--cold-runs 3]
 *                            [--versions airflow3,airflow2] [--seed 42] [--json FILE]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  RUN_CONFIG_YAML,
  int,
  machine,
  median,
  ms,
  parseFlags,
  parseList,
  repoRoot,
  scratchDir,
  table,
  tinyProject,
} from "./common";
import { generateManifest, manifestText } from "./generate";

const USAGE =
  "usage: npm run bench:airflow -- [--sizes 100,1000,5000] [--runs 7] [--cold-runs 3]\n" +
  "                                [--versions airflow3,airflow2] [--seed 42] [--json FILE]";

interface ParseResult {
  airflowVersion: string;
  bytes: number;
  tasks: number;
  runs: number;
  airflowImportSeconds: number;
  providerImportSeconds: number;
  parseSeconds: number[];
  medianParseSeconds: number;
  medianWallSeconds: number;
}

interface Row {
  version: string;
  airflowVersion: string;
  nodes: number;
  tasks: number;
  edges: number;
  dagBytes: number;
  floorBytes: number;
  warm: { generated: ParseResult; floor: ParseResult };
  cold: { generated: number[]; floor: number[] };
}

function run(command: string, args: readonly string[], what: string): string {
  const child = spawnSync(command, args, {
    cwd: repoRoot(),
    encoding: "utf8",
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    throw new Error(`bench: ${what} failed (exit ${child.status ?? child.signal})`);
  }
  return child.stdout;
}

function result<T>(stdout: string): T {
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("BENCH_RESULT "));
  if (line === undefined) throw new Error("bench: airflow_parse.py printed no result");
  return JSON.parse(line.slice("BENCH_RESULT ".length)) as T;
}

function main(): void {
  const flags = parseFlags(
    process.argv.slice(2),
    {
      sizes: "100,1000,5000",
      runs: "7",
      "cold-runs": "3",
      versions: "airflow3,airflow2",
      seed: "42",
      json: "",
    },
    USAGE,
  );
  const root = repoRoot();
  const sizes = parseList(flags["sizes"]!);
  const versions = flags["versions"]!.split(",").filter((v) => v !== "");
  const seed = Number(flags["seed"]);
  const cli = path.join(root, "dist", "components", "cli", "main.js");
  const script = path.join(root, "bench", "airflow_parse.py");
  if (!fs.existsSync(cli)) throw new Error("bench: dist/ is missing: run `npm run build` first");
  for (const v of versions) {
    if (!fs.existsSync(path.join(root, ".venvs", v, "bin", "python"))) {
      throw new Error(`bench: .venvs/${v} is missing: run \`bash scripts/pyenv.sh ${v}\``);
    }
  }
  const started = Date.now();
  const info = machine();
  console.log(`# Airflow parse benchmark (seed ${seed})`);
  console.log(
    `machine: ${info["cpu"]}, ${info["memory"]}, Node ${info["node"]}; load average ${info["load"]}`,
  );

  const project = tinyProject();
  const configFile = path.join(project, "conf", "base", "airflow-k8s.yaml");
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.writeFileSync(configFile, RUN_CONFIG_YAML);
  const work = scratchDir("airflow");

  const rows: Row[] = [];
  for (const n of sizes) {
    const dir = path.join(work, String(n));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "floor"), { recursive: true });
    const manifestFile = path.join(dir, "manifest.json");
    fs.writeFileSync(manifestFile, manifestText(generateManifest(n, seed).manifest));
    const outDir = path.join(dir, "compiled");
    run(
      process.execPath,
      [
        cli,
        "compile",
        "--manifest",
        manifestFile,
        "--config",
        configFile,
        "--out",
        outDir,
        "--project",
        project,
      ],
      `compile ${n}`,
    );
    const dagFile = fs
      .readdirSync(path.join(outDir, "dags"))
      .map((f) => path.join(outDir, "dags", f))
      .find((f) => f.endsWith(".py"))!;
    const floorFile = path.join(dir, "floor", path.basename(dagFile));
    const python = (v: string) => path.join(root, ".venvs", v, "bin", "python");
    const shape = result<{ tasks: number; edges: number }>(
      run(python(versions[0]!), [script, "floor", dagFile, floorFile], `floor ${n}`),
    );

    for (const v of versions) {
      const parse = (file: string, cold: boolean) =>
        result<ParseResult>(
          run(
            python(v),
            [
              script,
              "parse",
              file,
              ...(cold ? ["--cold"] : ["--runs", flags["runs"]!, "--warmup", "1"]),
            ],
            `parse ${path.basename(file)} (${v})`,
          ),
        );
      process.stdout.write(`${v}: ${int(n)} nodes (${int(shape.tasks)} tasks)...`);
      const warm = { generated: parse(dagFile, false), floor: parse(floorFile, false) };
      const cold = { generated: [] as number[], floor: [] as number[] };
      for (let i = 0; i < Number(flags["cold-runs"]); i++) {
        cold.generated.push(parse(dagFile, true).medianParseSeconds);
        cold.floor.push(parse(floorFile, true).medianParseSeconds);
      }
      const ratio = warm.generated.medianParseSeconds / warm.floor.medianParseSeconds;
      console.log(
        ` ${ms(1000 * warm.generated.medianParseSeconds)} ms vs floor ${ms(1000 * warm.floor.medianParseSeconds)} ms (${ratio.toFixed(2)}x)`,
      );
      rows.push({
        version: v,
        airflowVersion: warm.generated.airflowVersion,
        nodes: n,
        tasks: shape.tasks,
        edges: shape.edges,
        dagBytes: warm.generated.bytes,
        floorBytes: warm.floor.bytes,
        warm,
        cold,
      });
    }
  }

  for (const v of versions) {
    const mine = rows.filter((r) => r.version === v);
    if (mine.length === 0) continue;
    console.log(
      `\n## Airflow ${mine[0]!.airflowVersion}: DagBag parse time per file (ms, medians)\n`,
    );
    console.log(
      table(
        [
          "Kedro nodes",
          "tasks",
          "edges",
          "DAG KB",
          "generated (warm)",
          "floor (warm)",
          "generated/floor",
          "generated (cold)",
          "floor (cold)",
          "cold ratio",
          "share of 30 s timeout (cold)",
        ],
        mine.map((r) => {
          const g = 1000 * r.warm.generated.medianParseSeconds;
          const f = 1000 * r.warm.floor.medianParseSeconds;
          const gc = 1000 * median(r.cold.generated);
          const fc = 1000 * median(r.cold.floor);
          return [
            int(r.nodes),
            int(r.tasks),
            int(r.edges),
            int(r.dagBytes / 1024),
            ms(g),
            ms(f),
            `${(g / f).toFixed(2)}x`,
            ms(gc),
            ms(fc),
            `${(gc / fc).toFixed(2)}x`,
            `${((100 * gc) / 30_000).toFixed(1)} %`,
          ];
        }),
      ),
    );
    const first = mine[0]!.warm.generated;
    console.log(
      `\nwarm: ${first.runs} runs after 1 warm-up, providers imported first (${first.providerImportSeconds.toFixed(1)} s once; Airflow itself ${first.airflowImportSeconds.toFixed(1)} s); cold: one parse in a fresh process, providers included, median of ${flags["cold-runs"]} processes.`,
    );
  }

  console.log(
    `\ntarget: generated DAG parse within 1.5x of its floor (warm ratio); Airflow's default dagbag_import_timeout is 30 s.`,
  );
  console.log(
    `finished in ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${machine()["load"]}`,
  );
  if (flags["json"]) {
    fs.writeFileSync(flags["json"], `${JSON.stringify({ machine: info, seed, rows }, null, 2)}\n`);
  }
}

main();
