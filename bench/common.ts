/** Shared pieces of the benchmark scripts: options, statistics, tables, child processes. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root (bench/ sits right below it, compiled or not). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const { name } = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string };
      if (name === "kedro-airflow-k8s") return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`bench: no kedro-airflow-k8s package.json above ${__dirname}`);
    dir = parent;
  }
}

/** Where compiled bench scripts live (this file's folder) and where scratch files go. */
export const BENCH_JS_DIR = __dirname;
export function scratchDir(name: string): string {
  const dir = path.join(path.dirname(__dirname), "scratch", name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The run config of every benchmark: Dataproc, so Spark groups get run scripts and an init script. */
export const RUN_CONFIG_OBJECT = {
  run_config: {
    image: "img",
    spark: {
      type: "dataproc",
      project_id: "p",
      region: "r",
      // The schema wants a real bucket name (3+ characters), so not gs://b/a.
      artifacts_path: "gs://bench-artifacts/a",
    },
  },
};
export const RUN_CONFIG_YAML = [
  "run_config:",
  "  image: img",
  "  spark:",
  "    type: dataproc",
  "    project_id: p",
  "    region: r",
  "    artifacts_path: gs://bench-artifacts/a",
  "",
].join("\n");

/** A tiny Kedro project folder (pyproject.toml and one source file) for the archive step. */
export function tinyProject(): string {
  const dir = scratchDir("project");
  fs.writeFileSync(
    path.join(dir, "pyproject.toml"),
    '[project]\nname = "bench-project"\nversion = "0.1.0"\n\n[tool.kedro]\npackage_name = "bench_project"\nproject_name = "bench-project"\n',
  );
  fs.mkdirSync(path.join(dir, "src", "bench_project"), { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "bench_project", "__init__.py"), '"""Bench project."""\n');
  return dir;
}

/** `--name value` options with defaults; unknown options are an error. */
export function parseFlags(
  argv: readonly string[],
  defaults: Record<string, string>,
  usage: string,
): Record<string, string> {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const key = arg.startsWith("--") ? arg.slice(2, eq === -1 ? undefined : eq) : "";
    if (!(key in defaults)) {
      process.stderr.write(`bench: unknown argument ${JSON.stringify(arg)}\n${usage}\n`);
      process.exit(2);
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) {
      process.stderr.write(`bench: --${key} needs a value\n${usage}\n`);
      process.exit(2);
    }
    out[key] = value;
  }
  return out;
}

export function parseList(text: string): number[] {
  return text
    .split(",")
    .map((s) => s.trim().replace(/_/g, ""))
    .filter((s) => s !== "")
    .map((s) => {
      const n = Number(s.toLowerCase().endsWith("k") ? Number(s.slice(0, -1)) * 1000 : s);
      if (!Number.isInteger(n) || n <= 0)
        throw new Error(`bench: expected positive integers, got ${s}`);
      return n;
    });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Spread of the runs: (max - min) / median, as a rough noise figure. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** A Markdown table, columns padded so it also reads well in a terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The machine, for the report: cores, memory, Node, load average. */
export function machine(): Record<string, string> {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} x ${cpus[0]?.model ?? "unknown"}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
  };
}

/**
 * Runs `node [nodeFlags] <bench script> args` and returns the JSON it prints on its last
 * `BENCH_RESULT ` line, plus everything else it printed on stdout (the GC trace, when asked).
 */
export function runNodeChild<T>(
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): { result: T; stdout: string } {
  const child = spawnSync(
    process.execPath,
    [...nodeFlags, path.join(BENCH_JS_DIR, script), ...args],
    { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "inherit"] },
  );
  if (child.status !== 0) {
    throw new Error(
      `bench: ${script} ${args.join(" ")} exited with ${child.status ?? child.signal}`,
    );
  }
  const marker = "BENCH_RESULT ";
  const line = child.stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(marker));
  if (line === undefined) throw new Error(`bench: ${script} printed no result`);
  return { result: JSON.parse(line.slice(marker.length)) as T, stdout: child.stdout };
}

export function printResult(value: unknown): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(value)}\n`);
}

/**
 * The largest heap (objects, MB) seen before any garbage collection in a `--trace-gc` log:
 * heap use only grows between collections, so with the heap at exit this is its high-water mark.
 */
export function heapHighWaterFromGcTrace(trace: string): number {
  let peak = 0;
  const re =
    /: (?:Scavenge|Mark-Compact|Mark-Sweep|Minor Mark-Compact|Minor Mark-Sweep)[^:]*?([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/g;
  for (const m of trace.matchAll(re)) peak = Math.max(peak, Number(m[1]));
  return peak;
}

/** Elapsed milliseconds of `fn`, and its result. */
export function timed<T>(fn: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = fn();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

/**
 * Warm-ups and runs that fit the time budget, given the first run's time: fewer when slow,
 * never none. A first run longer than half the budget is the only (measured) run: at that
 * length JIT warm-up no longer matters.
 */
export function withinBudget(
  firstMs: number,
  warmup: number,
  runs: number,
  budgetMs: number,
): [number, number] {
  if (firstMs > budgetMs / 2) return [0, 1];
  const affordable = Math.floor(budgetMs / Math.max(firstMs, 1)) - 1; // runs after the first
  if (affordable >= warmup + runs - 1) return [warmup, runs];
  const w = Math.min(warmup, 1);
  return [w, Math.max(1, affordable - w + 1)];
}
