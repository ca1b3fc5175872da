/**
 * Injection-proof rendering: names and config strings drawn from quotes, backslashes,
 * newlines, `"""`, `{{ }}`, `${}`, `$()`, backticks, brackets, `;`, `>`, spaces, long and
 * non-ASCII text. For every case the DAG and run script parse with Python's own parser, each
 * string reaches Python exactly (read back from the parsed constants, Jinja-wrapped ones
 * decoded as Jinja decodes string literals), task ids stay valid and unique, and init
 * scripts pass `bash -n`. Names that cannot be represented fail with an InputError.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { InputError } from "../components/common/errors";
import { normaliseRunConfig } from "../components/config/load";
import { normaliseManifest } from "../components/manifest/load";
import { planPipeline } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";

const CASES = Number(process.env["INJECTION_CASES"] ?? 10000);
const TAG = "kedro-airflow-k8s:group:pyspark";

const piece = fc.constantFrom(
  "'",
  '"',
  '"""',
  "\\",
  "\n",
  "\r\n",
  "\t",
  "{{",
  "}}",
  "{{ ds }}",
  "{%",
  "%}",
  "{#",
  "${HOME}",
  "$(id)",
  "`id`",
  "[",
  "]",
  "f([a;b]) -> [c]",
  ";",
  ">",
  " ",
  "é",
  "Ω",
  "🚀",
  "\u2028",
  "\u0000",
  ".json",
  ".yaml",
  ".sh",
  "a",
  "node",
  "x_1",
);
const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom("a", "b", "é"), minLength: 200, maxLength: 300 }),
  },
);

interface Case {
  project: string;
  pipeline: string;
  env: string | null;
  nodes: string[];
  datasets: string[];
  tag: string;
  strings: {
    image: string;
    namespace: string;
    description: string;
    runName: string;
    envValue: string;
    label: string;
    secret: string;
  };
  backend: "dataproc" | "kubernetes";
}

const cases = fc.record<Case>({
  project: hostile,
  pipeline: hostile,
  env: fc.option(hostile),
  nodes: fc.uniqueArray(hostile, { minLength: 1, maxLength: 3 }),
  datasets: fc.uniqueArray(hostile, { minLength: 4, maxLength: 4 }),
  tag: hostile,
  strings: fc.record({
    image: hostile,
    namespace: hostile,
    description: hostile,
    runName: hostile,
    envValue: hostile,
    label: hostile,
    secret: hostile,
  }),
  backend: fc.constantFrom("dataproc", "kubernetes"),
});

interface Rendered {
  dag: string;
  script: string | null;
  init: string | null;
  expect: {
    description: string;
    sparkNodes: string[];
    env: string | null;
    pipeline: string;
    podNodes: string[];
    image: string;
    envValue: string;
  };
}

/** A chain: node 0 (default) -> node 1 (Spark, by tag) -> node 2 (default). */
function render(c: Case): Rendered {
  const [d0, d1, d2, d3] = c.datasets as [string, string, string, string];
  const chain = [
    { name: c.nodes[0]!, inputs: [d0, "params:x"], outputs: [d1], tags: [c.tag] },
    { name: c.nodes[1] ?? "spark", inputs: [d1], outputs: [d2], tags: [TAG, c.tag] },
    { name: c.nodes[2] ?? "after", inputs: [d2], outputs: [d3], tags: [] },
  ].filter((n, i, all) => all.findIndex((m) => m.name === n.name) === i);
  const datasets = Object.fromEntries(
    c.datasets.map((d) => [d, { type: "pandas.ParquetDataset" }]),
  );
  const manifest = normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: c.project, package: "pkg" },
      pipeline: c.pipeline,
      env: c.env,
      nodes: chain,
      datasets,
    },
    "case",
  );
  const s = c.strings;
  // The env reaches the DAG and scripts from the run config; set it directly so that hostile
  // names (which the schema's pattern refuses) still exercise the escaping.
  const loaded = normaliseRunConfig(
    {
      run_config: {
        image: s.image,
        namespace: s.namespace,
        description: s.description,
        run_name: s.runName,
        env_vars: { VALUE: s.envValue },
        secrets: [{ secret: s.secret, deploy_target: "TARGET", key: s.secret }],
        resources: { __default__: { labels: { l: s.label }, annotations: { a: s.label } } },
        spark:
          c.backend === "dataproc"
            ? {
                type: "dataproc",
                project_id: "p",
                region: "r",
                cluster_name: s.runName,
                artifacts_path: "gs://bucket/a",
              }
            : { type: "k8s", cluster_config: { image: s.image, env_vars: { V: s.envValue } } },
      },
    },
    "case",
  );
  const config = { ...loaded, env: c.env };
  const plan = planPipeline(manifest, config);
  const compiled = compileProject({
    manifest,
    plan,
    config,
    manifestSource: "case",
    configSource: "case",
    factory: null,
    projectDir: null,
  });
  const ids = Object.values(compiled.taskIds);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_.-]{1,250}$/);
  expect(new Set(ids).size).toBe(ids.length);
  const spark = plan.groups.find((g) => g.kind === "spark")!;
  const pods = plan.groups.filter((g) => g.kind === "default");
  return {
    dag: compiled.dag.content,
    script: compiled.artifacts.find((a) => a.name.startsWith("pyspark_"))?.content ?? null,
    init: compiled.artifacts.find((a) => a.name.startsWith("init-"))?.content ?? null,
    expect: {
      description: s.description,
      sparkNodes: spark.nodes,
      env: c.env,
      pipeline: c.pipeline,
      podNodes: pods.map((g) => g.nodes.join(",")),
      image: s.image,
      envValue: s.envValue,
    },
  };
}

/** The checker, in Python: parse, and read every value back from the syntax tree. */
const CHECKER = String.raw`
import ast, codecs, json, re, sys

def jinja(s):
    # A value Airflow renders with Jinja: our wrapper is {{ '<escaped>' }}, which Jinja
    # decodes with Python's unicode-escape; anything else must be free of Jinja syntax.
    m = re.fullmatch(r"\{\{ '((?:[^'\\]|\\.)*)' \}\}", s, re.S)
    if m:
        return codecs.decode(m.group(1), "unicode_escape")
    assert not any(t in s for t in ("{{", "{%", "{#")), s
    return s

def call_kwargs(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            yield {k.arg: k.value for k in node.keywords}

def env_value(node, name):
    # A dict literal, or (the spark-submit pod, which also takes fields of its own status)
    # a list of k8s.V1EnvVar(name=..., value=...) calls.
    if isinstance(node, ast.List):
        for item in node.elts:
            kw = {k.arg: k.value for k in item.keywords}
            if ast.literal_eval(kw["name"]) == name:
                return ast.literal_eval(kw["value"])
        raise KeyError(name)
    return ast.literal_eval(node)[name]

failures = []
for i, case in enumerate(json.load(sys.stdin)):
    try:
        exp = case["expect"]
        tree = ast.parse(case["dag"])
        dag = next(call_kwargs(tree, "DAG"))
        assert ast.literal_eval(dag["description"]) == exp["description"]
        pods = list(call_kwargs(tree, "KubernetesPodOperator"))
        nodes_args = []
        for pod in pods:
            args = [jinja(a) for a in ast.literal_eval(pod["arguments"])]
            if args[0] == "run":
                nodes_args.append(args[args.index("--nodes") + 1])
                assert args[args.index("--pipeline") + 1] == exp["pipeline"]
                if exp["env"] is not None:
                    assert args[args.index("--env") + 1] == exp["env"]
            else:
                assert "--node=" + ",".join(exp["sparkNodes"]) in args
            assert jinja(env_value(pod["env_vars"], "VALUE")) == exp["envValue"]
            assert jinja(ast.literal_eval(pod["image"])) in (exp["image"],) or args[0] != "run"
        assert nodes_args == exp["podNodes"], (nodes_args, exp["podNodes"])
        if case["script"] is not None:
            consts = {}
            for node in ast.parse(case["script"]).body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    try:
                        consts[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        pass
            assert consts["NODES"] == exp["sparkNodes"]
            assert consts["ENV"] == exp["env"]
            assert consts["PIPELINE"] == exp["pipeline"]
    except Exception as exc:
        failures.append({"case": i, "error": repr(exc)[:500]})
json.dump({"checked": i + 1, "failures": failures[:5]}, sys.stdout)
`;

describe("injection-proof rendering", () => {
  it(`renders ${CASES} hostile cases that Python and bash read back exactly`, () => {
    const rendered: Rendered[] = [];
    let refused = 0;
    fc.assert(
      fc.property(cases, (c) => {
        try {
          rendered.push(render(c));
        } catch (err) {
          // Only one refusal is allowed: a node name Kedro's --nodes cannot carry.
          expect(err).toBeInstanceOf(InputError);
          expect((err as Error).message).toMatch(/cannot be passed through Kedro's --nodes/);
          refused++;
        }
      }),
      { numRuns: CASES, seed: 424242 },
    );
    expect(rendered.length).toBeGreaterThan(CASES * 0.5);

    const result = JSON.parse(
      execFileSync("python3", ["-c", CHECKER], {
        input: JSON.stringify(rendered),
        encoding: "utf8",
        maxBuffer: 1 << 30,
      }),
    ) as { checked: number; failures: unknown[] };
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(rendered.length);

    // bash -n on the init scripts, in one file per script (a sample keeps it quick).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kak-inject-"));
    try {
      const inits = rendered.flatMap((r) => (r.init ? [r.init] : [])).slice(0, 300);
      const files = inits.map((text, i) => {
        const file = path.join(dir, `init-${i}.sh`);
        fs.writeFileSync(file, text);
        return file;
      });
      execFileSync("bash", [
        "-c",
        'for f in "$@"; do bash -n "$f" || exit 1; done',
        "bash",
        ...files,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `injection: ${rendered.length} rendered and checked, ${refused} refused by --nodes rules`,
    );
  });
});
