/**
 * Runtime params (run_config.params): what the run config accepts, the one-line errors for
 * what Kedro could not carry, and what the DAG declares and passes to each kind of task.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { InputError } from "../components/common/errors";
import { normaliseRunConfig, parseRunConfigText } from "../components/config/load";
import { CARRIABLE_PATTERN, uncarriable } from "../components/config/params";
import { normaliseManifest } from "../components/manifest/load";
import { planPipeline } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";
import type { SparkOperatorFactory, SubmitOperatorContext } from "../components/rendering/factory";
import { cli } from "./helpers/cli";

const withParams = (params: unknown, extra: object = {}) =>
  normaliseRunConfig({ run_config: { image: "img", params, ...extra } }, "conf.yaml");

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("run_config.params", () => {
  it("takes defaults by type, the long form, macros and the seed's macro_params, sorted", () => {
    const config = withParams(
      {
        threshold: 0.5,
        limit: 10,
        name: "x",
        flag: false,
        ratio: { default: 2, type: "number", description: "shown in the form" },
        "model.depth": 3,
        run_date: "{{ ds }}",
        spaced: "{{  ts_nodash  }}",
      },
      { macro_params: ["prev_ds"] },
    );
    expect(config.params).toEqual([
      { name: "flag", type: "boolean", default: false, macro: null, description: null },
      { name: "limit", type: "integer", default: 10, macro: null, description: null },
      { name: "model.depth", type: "integer", default: 3, macro: null, description: null },
      { name: "name", type: "string", default: "x", macro: null, description: null },
      { name: "prev_ds", type: "string", default: null, macro: "prev_ds", description: null },
      {
        name: "ratio",
        type: "number",
        default: 2,
        macro: null,
        description: "shown in the form",
      },
      { name: "run_date", type: "string", default: null, macro: "ds", description: null },
      { name: "spaced", type: "string", default: null, macro: "ts_nodash", description: null },
      { name: "threshold", type: "number", default: 0.5, macro: null, description: null },
    ]);
    expect(config.ignoredKeys).toEqual([]); // macro_params is used now, not ignored
    expect(withParams(undefined).params).toEqual([]);
  });

  it.each([
    [{ "1a": 1 }, 'run_config.params["1a"]: is not a valid key (expected a Kedro parameter name'],
    [{ "a..b": 1 }, 'run_config.params["a..b"]: is not a valid key'],
    [{ "a b": 1 }, 'run_config.params["a b"]: is not a valid key'],
    [{ "a:b": 1 }, 'run_config.params["a:b"]: is not a valid key'],
    [{ "a[0]": 1 }, 'run_config.params["a[0]"]: is not a valid key'],
    [{ a: "x,y" }, "run_config.params.a: cannot be passed to Kedro: it holds a comma"],
    [{ a: "${oc.env:HOME}" }, "run_config.params.a: cannot be passed to Kedro: it holds ${"],
    [{ a: "two\nlines" }, "run_config.params.a: cannot be passed to Kedro: it holds a control"],
    [{ a: "tab\there" }, "it holds a control character or line break"],
    [{ a: "x\u2028y" }, "it holds a control character or line break"],
    [{ a: "{{ ds }}-x" }, 'run_config.params.a: expected a whole Airflow macro such as "{{ ds }}"'],
    [{ a: "{{ ds | upper }}" }, "expected a whole Airflow macro"],
    [{ a: "{% if x %}" }, "expected a whole Airflow macro"],
    [
      { a: { default: "{{ ds }}", type: "integer" } },
      "run_config.params.a.default: is an Airflow macro",
    ],
    [
      { a: { default: 1.5, type: "integer" } },
      "run_config.params.a.default: expected a default of type integer, got 1.5",
    ],
    [{ a: { default: "1", type: "number" } }, 'expected a default of type number, got "1"'],
    [{ a: { default: 1, type: "boolean" } }, "expected a default of type boolean, got 1"],
    [{ a: { type: "string" } }, "run_config.params.a: "],
    [{ a: [1, 2] }, "run_config.params.a: "],
    [{ a: null }, "run_config.params.a: "],
    [{ a: 1, "a.b": 2 }, 'run_config.params.a.b: is inside param "a", which is also declared'],
  ])("refuses %j with one line naming the key", (params, message) => {
    const text = errorOf(() => withParams(params));
    expect(text.startsWith("conf.yaml: ")).toBe(true);
    expect(text).toContain(message);
    expect(text).not.toContain("\n");
  });

  it("refuses a non-finite number and a bad or twice-declared macro_params name", () => {
    // JSON Schema numbers are finite: the schema refuses .inf before the params check does.
    expect(
      errorOf(() => parseRunConfigText("run_config:\n  params:\n    a: .inf\n", "c.yaml")),
    ).toMatch(/^c\.yaml: run_config\.params\.a: expected a string, integer, number or boolean/);
    expect(errorOf(() => withParams({ a: Number.NaN }))).toMatch(/run_config\.params\.a: /);
    expect(errorOf(() => withParams({ ds: 1 }, { macro_params: ["ds"] }))).toContain(
      'run_config.macro_params: names "ds", which run_config.params also declares',
    );
    expect(errorOf(() => withParams({}, { macro_params: ["not a name"] }))).toContain(
      "run_config.macro_params[0]",
    );
  });

  it("checks strings at compile time as the DAG's Param pattern checks them at run time", () => {
    const pattern = new RegExp(CARRIABLE_PATTERN);
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom(",", "$", "{", "}", "${", "\n", "\r", "\t", "\u0085", "\u2028", "\u0000"),
        fc.constantFrom("a", " ", "'", '"', "=", "é", "🚀", "\u00a0", "\u009f", "\u00ff"),
      ),
      maxLength: 12,
    });
    fc.assert(
      fc.property(text, (s) => {
        expect(pattern.test(s)).toBe(uncarriable(s) === null);
      }),
      { numRuns: 3000, seed: 1201 },
    );
  });
});

const MANIFEST = normaliseManifest(
  {
    schemaVersion: 1,
    project: { name: "probe", package: "probe" },
    pipeline: "__default__",
    env: null,
    nodes: [
      { name: "pod_node", inputs: ["params:a"], outputs: ["x"], tags: [] },
      {
        name: "spark_node",
        inputs: ["x"],
        outputs: ["y"],
        tags: ["kedro-airflow-k8s:group:pyspark"],
      },
    ],
    datasets: { x: { type: "pandas.ParquetDataset" }, y: { type: "pandas.ParquetDataset" } },
  },
  "manifest.json",
);

function dagFor(
  params: unknown,
  spark: object,
  factory: SparkOperatorFactory | null = null,
): string {
  const config = normaliseRunConfig(
    { run_config: { image: "img", params, spark: { artifacts_path: "gs://bucket/a", ...spark } } },
    "conf.yaml",
  );
  const plan = planPipeline(MANIFEST, config);
  return compileProject({
    manifest: MANIFEST,
    plan,
    config,
    manifestSource: "manifest.json",
    configSource: "conf.yaml",
    factory,
    projectDir: null,
  }).dag.content;
}

describe("DAG params", () => {
  const k8s = { type: "k8s", cluster_config: { image: "img" } };

  it("declares one typed Param each and passes them to pods and Spark jobs", () => {
    const dag = dagFor({ b: true, a: "x", day: "{{ ds }}" }, k8s);
    expect(dag).toContain('        "a": Param("x", type="string", pattern=');
    expect(dag).toContain('        "b": Param(True, type="boolean"),');
    expect(dag).toContain('        "day": Param(None, type=["null", "string"], pattern=');
    expect(dag).toContain('description="Default: the Airflow macro {{ ds }} of the run."');
    expect(dag).toContain(' + ["--params", "{{ kak_kedro_params(params, {\\"day\\": ds}) }}"],');
    expect(dag).toContain(
      ' + ["--params-json", "{{ kak_params_json(params, {\\"day\\": ds}, True) }}"],',
    );
    expect(dag).toContain('KAK_PARAM_TYPES = {"a": "string", "b": "boolean", "day": "string"}');
    expect(dag).toContain(
      '"kak_kedro_params": kak_kedro_params, "kak_params_json": kak_params_json',
    );
  });

  it("puts the JSON argument in Dataproc job args and after a batch's own args", () => {
    const dataproc = dagFor({ a: 1 }, { type: "dataproc", project_id: "p", region: "r" });
    expect(dataproc).toContain(
      '"pyspark_job": {"args": ["--params-json", "{{ kak_params_json(params, {}, False) }}"], ',
    );
    const batch = dagFor(
      { a: 1 },
      {
        type: "dataproc-serverless",
        project_id: "p",
        region: "r",
        cluster_config: {
          runtime_config: { container_image: "img" },
          pyspark_batch: { args: ["--mine", "{{ not rendered }}"] },
        },
      },
    );
    // The user's own args stay Jinja-safe; ours are the only Jinja.
    expect(batch).toContain(
      `"args": ["--mine", "{{ '\\\\x7b\\\\x7b not rendered \\\\x7d\\\\x7d' }}", "--params-json", "{{ kak_params_json(params, {}, False) }}"]`,
    );
  });

  it("gives a custom factory the JSON template, or null without params", () => {
    const seen: (string | null)[] = [];
    const factory: SparkOperatorFactory = {
      createClusterOperator: () => "",
      deleteClusterOperator: () => "",
      importsStatement: () => "",
      submitOperator: (c: SubmitOperatorContext) => {
        seen.push(c.paramsJson);
        return `EmptyOperator(task_id=${JSON.stringify(c.taskId)})`;
      },
    };
    dagFor({ day: "{{ ds }}" }, { type: "custom" }, factory);
    dagFor({}, { type: "custom" }, factory);
    expect(seen).toEqual(['{{ kak_params_json(params, {"day": ds}, False) }}', null]);
  });

  it("leaves a DAG without params as it was", () => {
    const dag = dagFor({}, k8s);
    expect(dag).not.toMatch(/Param|kak_kedro_params|--params|import json/);
  });

  it("writes every string default so that Python reads it back exactly", () => {
    const defaults = fc.sample(
      fc
        .string({
          unit: fc.constantFrom(
            "'",
            '"',
            "\\",
            "{",
            "}",
            "{{",
            "%",
            "#",
            "$(x)",
            "é",
            "🚀",
            " ",
            "=",
            "a",
          ),
          maxLength: 10,
        })
        .filter((s) => uncarriable(s) === null && !/\{[{%#]/.test(s)),
      { numRuns: 200, seed: 7 },
    );
    const dag = dagFor(Object.fromEntries(defaults.map((d, i) => [`p${i}`, d])), k8s);
    const read = execFileSync(
      "python3",
      [
        "-c",
        [
          "import ast, json, sys",
          "tree = ast.parse(sys.stdin.read())",
          "dag = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'id', '') == 'DAG')",
          "params = next(k.value for k in dag.keywords if k.arg == 'params')",
          "out = {ast.literal_eval(k): ast.literal_eval(v.args[0]) for k, v in zip(params.keys, params.values)}",
          "print(json.dumps(out))",
        ].join("\n"),
      ],
      { input: dag, encoding: "utf8" },
    );
    expect(JSON.parse(read)).toEqual(Object.fromEntries(defaults.map((d, i) => [`p${i}`, d])));
  });
});

describe("kedro-airflow-k8s compile with bad params", () => {
  it("exits 2 with one line naming the file and key, and writes nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kak-params-"));
    try {
      const config = path.join(dir, "airflow-k8s.yaml");
      fs.writeFileSync(config, 'run_config:\n  image: img\n  params:\n    a: "x,y"\n');
      const out = path.join(dir, "out");
      const manifest = path.join(__dirname, "fixtures", "compile", "nospark.manifest.json");
      const result = cli(["compile", "--manifest", manifest, "--config", config, "--out", out]);
      expect(result.code).toBe(2);
      expect(result.err.trim().split("\n")).toEqual([
        `kedro-airflow-k8s: error: ${config}: run_config.params.a: cannot be passed to Kedro: it holds a comma (Kedro's --params splits on every comma)`,
      ]);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
