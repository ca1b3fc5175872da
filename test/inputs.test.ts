import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cli } from "./helpers/cli";
import { parseRunConfigText, normaliseRunConfig } from "../components/config/load";
import { normaliseManifest, parseManifestText } from "../components/manifest/load";

const manifestText = (nodes: unknown, extra: object = {}) =>
  JSON.stringify({ schemaVersion: 1, project: { name: "p" }, nodes, ...extra });

/**
 * Runs `plan --manifest <text> --mermaid <file>` through the CLI: the error must be one line
 * naming the file, exit code 2, and the Mermaid file must not exist. Returns the message with
 * the temporary folder left out, so the cases read `m.json: path: expectation`.
 */
function cliError(args: (dir: string) => string[], files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kak-inputs-"));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const { code, out, err } = cli([...args(dir), "--mermaid", path.join(dir, "plan.mmd")]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err.endsWith("\n")).toBe(true);
    expect(err.trimEnd().split("\n")).toHaveLength(1);
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(files).sort()); // nothing written
    return err
      .trimEnd()
      .replace("kedro-airflow-k8s: error: ", "")
      .split(`${dir}${path.sep}`)
      .join("");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const manifestError = (text: string) =>
  cliError((dir) => ["plan", "--manifest", path.join(dir, "m.json")], { "m.json": text });

describe("manifest: defaults", () => {
  it("fills every optional field", () => {
    const m = parseManifestText(
      manifestText([{ name: "a", inputs: [], outputs: ["x"] }]),
      "m.json",
    );
    expect(m).toEqual({
      schemaVersion: 1,
      project: { name: "p", package: null, kedroVersion: null },
      pipeline: "__default__",
      env: null,
      nodes: [
        {
          name: "a",
          func: null,
          namespace: null,
          inputs: [],
          outputs: ["x"],
          tags: [],
          inputTypes: [],
          outputTypes: [],
        },
      ],
      datasets: {},
      warnings: [],
      runConfig: null,
    });
  });
  it("reads a parsed file and a value from code alike, and copies only the value from code", () => {
    const nodes = [
      { name: "a", inputs: [], outputs: ["x"] },
      { name: "b", func: "m.f", namespace: "n", inputs: ["x"], outputs: [], tags: ["t"] },
    ];
    const text = manifestText(nodes);
    const fromCode = JSON.parse(text) as { nodes: Record<string, unknown>[] };
    const a = parseManifestText(text, "m.json");
    const b = normaliseManifest(fromCode, "code");
    expect(a).toEqual(b);
    expect(a.nodes[1]).toEqual({ ...nodes[1], inputTypes: [], outputTypes: [] });
    // The caller's objects are neither filled in nor shared.
    expect(fromCode.nodes[0]).toEqual(nodes[0]);
    expect(b.nodes[0]).not.toBe(fromCode.nodes[0]);
    expect(b.nodes[1]!.tags).not.toBe(fromCode.nodes[1]!["tags"]);
  });
  it.each([
    ["by name, as the exporter writes it", ["a", "b@spark", "c"], ["a", "b@spark", "c"]],
    ["in another order", ["c", "a", "b@spark"], ["a", "b@spark", "c"]],
    // JavaScript lists index-like keys first, by value, whatever the order they were added in.
    ["with index-like names", ["10", "2", "a", "b@spark", "c"], ["2", "10", "a", "b@spark", "c"]],
  ])("reads a catalog %s the same from a file and from code", (_, order, keys) => {
    const entries: Record<string, object> = {
      a: { type: "pandas.CSVDataset" },
      "b@spark": {
        type: "spark.SparkDataset",
        classes: ["kedro_datasets.spark.SparkDataset"],
        location: { key: "filepath", path: "gs://b/x", local: false, relative: false },
      },
      c: {
        type: "pandas.ParquetDataset",
        location: {
          key: "filepath",
          path: "data/c.pq",
          local: true,
          relative: true,
          protocol: "file",
        },
      },
      "10": { type: "pandas.CSVDataset" },
      "2": { type: "pandas.CSVDataset" },
    };
    const datasets = Object.fromEntries(order.map((name) => [name, entries[name]!]));
    const text = manifestText([], { datasets });
    const fromFile = parseManifestText(text, "m.json");
    const fromCode = normaliseManifest(JSON.parse(text), "code");
    expect(fromFile).toEqual(fromCode);
    expect(Object.keys(fromFile.datasets)).toEqual(keys);
    expect(Object.keys(fromCode.datasets)).toEqual(keys);
    if (order.includes("a")) {
      expect(fromFile.datasets["a"]).toEqual({
        type: "pandas.CSVDataset",
        classes: [],
        location: null,
      });
      expect(fromFile.datasets["b@spark"]!.location!.protocol).toBeNull();
      expect(fromFile.datasets["c"]!.location!.protocol).toBe("file");
    }
  });
  it("accepts and ignores keys it does not know, for newer exporters", () => {
    const m = parseManifestText(manifestText([], { future: 1 }), "m.json");
    expect(m.nodes).toEqual([]);
  });
});

describe("manifest: bad input names the file, the path and the expectation", () => {
  it.each([
    ["not JSON", "{nodes: [", /^m\.json: \(top level\): expected JSON \(/],
    ["not an object", "[]", /^m\.json: \(top level\): expected an object.*, got an array$/],
    [
      "no schemaVersion",
      JSON.stringify({ project: { name: "p" }, nodes: [] }),
      /^m\.json: schemaVersion: is required \(expected the number 1\)$/,
    ],
    [
      "another schemaVersion",
      JSON.stringify({ schemaVersion: 2, project: { name: "p" }, nodes: [] }),
      /^m\.json: schemaVersion: expected 1, got 2$/,
    ],
    [
      "no project name",
      JSON.stringify({ schemaVersion: 1, project: {}, nodes: [] }),
      /^m\.json: project\.name: is required/,
    ],
    [
      "no nodes",
      JSON.stringify({ schemaVersion: 1, project: { name: "p" } }),
      /^m\.json: nodes: is required/,
    ],
    [
      "a runConfig that is not a mapping",
      JSON.stringify({ schemaVersion: 1, project: { name: "p" }, nodes: [], runConfig: ["x"] }),
      /^m\.json: runConfig: expected an object: the run_config mapping .*, got an array$/,
    ],
    [
      "a node without a name",
      manifestText([{ inputs: [], outputs: [] }]),
      /^m\.json: nodes\[0\]\.name: is required/,
    ],
    [
      "a node without inputs",
      manifestText([{ name: "a", outputs: [] }]),
      /^m\.json: nodes\[0\]\.inputs: is required/,
    ],
    [
      "inputs of the wrong type",
      manifestText([{ name: "a", inputs: "x", outputs: [] }]),
      /^m\.json: nodes\[0\]\.inputs: expected an array of dataset names.* \(an array\), got a string$/,
    ],
    [
      "a number as a dataset name",
      manifestText([{ name: "a", inputs: [3], outputs: [] }]),
      /^m\.json: nodes\[0\]\.inputs\[0\]: expected .*\(a string\), got an integer$/,
    ],
    [
      "an empty node name",
      manifestText([{ name: "", inputs: [], outputs: [] }]),
      /^m\.json: nodes\[0\]\.name: expected a non-empty string/,
    ],
    [
      "a dataset without a type",
      manifestText([], { datasets: { x: {} } }),
      /^m\.json: datasets\.x\.type: is required/,
    ],
    [
      "an odd dataset name in the path",
      manifestText([], { datasets: { "a b@spark": { type: 3 } } }),
      /^m\.json: datasets\["a b@spark"\]\.type: expected/,
    ],
    [
      "a duplicate node name",
      manifestText([
        { name: "a", inputs: [], outputs: ["x"] },
        { name: "a", inputs: [], outputs: ["y"] },
      ]),
      /^m\.json: nodes\[1\]\.name: duplicate node name "a" \(also nodes\[0\]\); node names must be unique$/,
    ],
    [
      "two producers of one dataset",
      manifestText([
        { name: "a", inputs: [], outputs: ["x"] },
        { name: "b", inputs: [], outputs: ["x"] },
      ]),
      /^m\.json: nodes\[1\]\.outputs\[0\]: dataset "x" is already produced by node "a" \(nodes\[0\]\) as "x"; each dataset has one producer$/,
    ],
    [
      "two producers through transcoding",
      manifestText([
        { name: "a", inputs: [], outputs: ["x@spark"] },
        { name: "b", inputs: [], outputs: ["x@pandas"] },
      ]),
      /^m\.json: nodes\[1\]\.outputs\[0\]: dataset "x@pandas" is already produced by node "a" \(nodes\[0\]\) as "x@spark"/,
    ],
    [
      "a cycle among nodes",
      manifestText([
        { name: "a", inputs: ["z"], outputs: ["x"] },
        { name: "b", inputs: ["x"], outputs: ["y"] },
        { name: "c", inputs: ["y"], outputs: ["z"] },
        { name: "d", inputs: ["y"], outputs: ["w"] },
      ]),
      /^m\.json: nodes\[0\]: nodes form a cycle: "a" -> "b" -> "c" -> "a"; a pipeline must be acyclic$/,
    ],
    [
      "a node reading its own output",
      manifestText([{ name: "a", inputs: ["x"], outputs: ["x"] }]),
      /^m\.json: nodes\[0\]: nodes form a cycle: "a" -> "a"/,
    ],
  ])("%s", (_, text, expected) => {
    expect(manifestError(text)).toMatch(expected);
  });
});

const GOOD_MANIFEST = JSON.stringify({ schemaVersion: 1, project: { name: "p" }, nodes: [] });
const configError = (text: string) =>
  cliError(
    (dir) => ["plan", "--manifest", path.join(dir, "m.json"), "--config", path.join(dir, "c.yaml")],
    {
      "m.json": GOOD_MANIFEST,
      "c.yaml": text,
    },
  );

describe("run config", () => {
  it("fills the seed's defaults and ours", () => {
    const c = parseRunConfigText("run_config:\n  image: img:1\n", "c.yaml");
    expect(c).toMatchObject({
      image: "img:1",
      imagePullPolicy: "IfNotPresent",
      cronExpression: "@daily",
      startDate: "20250101",
      groupSparkNodes: true,
      packaging: "archive",
      policies: {},
      dagrunTimeout: null,
      imagePullSecrets: [],
      spark: { type: null, datasetTypes: [], clusterConfig: {} },
      ignoredKeys: [],
    });
  });

  it("reads a seed plugin config, keeping its names", () => {
    const c = parseRunConfigText(
      `host: https://airflow.example.com
output: gs://bucket/dags
run_config:
  image: airflow-k8s-plugin-demo
  image_pull_policy: Always
  startup_timeout: 600
  namespace: airflow
  experiment_name: demo
  cron_expression: null
  start_date: "20210721"
  image_pull_secrets: one, two
  service_account_name: airflow
  volume: {size: 1Gi}
  secrets:
    - {deploy_type: env, deploy_target: SQL_CONN, secret: airflow-secrets, key: sql_alchemy_conn}
    - {secret: all-keys}
  resources:
    __default__:
      node_selectors: {pool: default}
      tolerations: [{key: group, value: data, effect: NoExecute}]
      requests: {cpu: 1, memory: 1Gi}
  spark:
    type: k8s
    project_id: proj
    region: europe-west1
    cluster_name: ephemeral
    artifacts_path: gs://bucket/packages
    cluster_config: {run_script: "local:///home/kedro/spark_run.py"}
    dataset_types: [LazySparkDataset]
`,
      "c.yaml",
    );
    expect(c).toMatchObject({
      runName: "demo",
      cronExpression: null,
      startDate: "20210721",
      imagePullSecrets: ["one", "two"],
      secrets: [
        {
          deployType: "env",
          deployTarget: "SQL_CONN",
          secret: "airflow-secrets",
          key: "sql_alchemy_conn",
        },
        { deployType: "env", deployTarget: null, secret: "all-keys", key: null },
      ],
      resources: {
        __default__: {
          requests: { cpu: "1", memory: "1Gi" },
          nodeSelectors: { pool: "default" },
          tolerations: [
            {
              key: "group",
              value: "data",
              effect: "NoExecute",
              operator: null,
              tolerationSeconds: null,
            },
          ],
        },
      },
      spark: { type: "kubernetes", projectId: "proj", datasetTypes: ["LazySparkDataset"] },
      ignoredKeys: ["run_config.volume"],
      policies: { __default__: { startupTimeout: 600, retries: null } },
    });
  });

  it("accepts the same shape as a plain object from code", () => {
    const c = normaliseRunConfig(
      { run_config: { group_spark_nodes: false, image_pull_secrets: ["a"] } },
      "runConfig",
    );
    expect(c).toMatchObject({ groupSparkNodes: false, imagePullSecrets: ["a"] });
  });

  it.each([
    ["not YAML", "run_config: [", /^c\.yaml: line 1, column \d+: expected YAML \(/],
    [
      "duplicate keys",
      "run_config:\n  image: a\n  image: b\n",
      /^c\.yaml: line 3, column \d+: expected YAML \(.*[Mm]ap keys must be unique/,
    ],
    [
      "no run_config",
      "host: x\n",
      /^c\.yaml: run_config: is required \(expected an object describing where and how the pipeline runs\)$/,
    ],
    ["an empty file", "", /^c\.yaml: run_config: is required/],
    [
      "an unknown top-level key",
      "run_config: {}\nhosts: x\n",
      /^c\.yaml: hosts: unknown key \(expected one of: host, output, run_config\)$/,
    ],
    [
      "a typo in run_config",
      "run_config:\n  group_spark_node: false\n",
      /^c\.yaml: run_config\.group_spark_node: unknown key \(expected one of: image, /,
    ],
    [
      "an unknown spark.type",
      "run_config:\n  spark:\n    type: emr\n",
      /^c\.yaml: run_config\.spark\.type: expected one of "dataproc", "dataproc-serverless", "k8s", "kubernetes", "custom", got "emr"$/,
    ],
    [
      "an unknown packaging",
      "run_config:\n  packaging: wheel\n",
      /^c\.yaml: run_config\.packaging: expected one of "archive", "kedro-package", got "wheel"$/,
    ],
    [
      "a wrong type",
      "run_config:\n  group_spark_nodes: yes\n",
      /^c\.yaml: run_config\.group_spark_nodes: expected .*\(a boolean\), got a string$/,
    ],
    [
      "a bad start date",
      "run_config:\n  start_date: '2021-07-21'\n",
      /^c\.yaml: run_config\.start_date: expected a date as YYYYMMDD, got "2021-07-21"$/,
    ],
    [
      "an unquoted start date",
      "run_config:\n  start_date: 20210721\n",
      /^c\.yaml: run_config\.start_date: expected a date as YYYYMMDD \(a string\), got an integer$/,
    ],
    [
      "a start date that is not in the calendar",
      "run_config:\n  start_date: '20250230'\n",
      /^c\.yaml: run_config\.start_date: expected a calendar date as YYYYMMDD; 20250230 is not one$/,
    ],
    [
      "a schedule that is not a cron",
      "run_config:\n  cron_expression: not a cron\n",
      /^c\.yaml: run_config\.cron_expression: expected five cron fields .*; found 3 fields$/,
    ],
    [
      "a cron field out of range",
      "run_config:\n  cron_expression: '0 24 * * *'\n",
      /^c\.yaml: run_config\.cron_expression: expected five cron fields .*; hour "24": 24 is out of range 0-23$/,
    ],
    [
      "a bad artifacts path",
      "run_config:\n  spark:\n    artifacts_path: s3://b/p\n",
      /^c\.yaml: run_config\.spark\.artifacts_path: expected a GCS location gs:\/\/bucket\/prefix/,
    ],
    [
      "a bad env var name",
      "run_config:\n  env_vars:\n    1BAD: x\n",
      /^c\.yaml: run_config\.env_vars\["1BAD"\]: is not a valid key \(expected environment variable names \(\[A-Za-z_\]\[A-Za-z0-9_\]\*\)\)$/,
    ],
    [
      "a secret without a name",
      "run_config:\n  secrets:\n    - key: k\n",
      /^c\.yaml: run_config\.secrets\[0\]\.secret: is required \(expected a non-empty Kubernetes Secret name\)$/,
    ],
    [
      "a bad toleration effect",
      "run_config:\n  resources:\n    big:\n      tolerations: [{effect: Never}]\n",
      /^c\.yaml: run_config\.resources\.big\.tolerations\[0\]\.effect: expected one of/,
    ],
    [
      "a duration that is not one",
      "run_config:\n  policies:\n    slow:\n      execution_timeout: 1h 30m\n",
      /^c\.yaml: run_config\.policies\.slow\.execution_timeout: expected a duration: whole seconds as an integer, or a string .* such as 90s, 30m, 1h30m or 2d, got "1h 30m"$/,
    ],
    [
      "a duration in the wrong order",
      "run_config:\n  dagrun_timeout: 30m1h\n",
      /^c\.yaml: run_config\.dagrun_timeout: expected a duration: .*, got "30m1h"$/,
    ],
    [
      "a fractional duration",
      "run_config:\n  policies:\n    __default__:\n      retry_delay: 1.5\n",
      /^c\.yaml: run_config\.policies\.__default__\.retry_delay: expected a duration: .* \(an integer or a string\), got a number$/,
    ],
    [
      "a zero timeout",
      "run_config:\n  policies:\n    __default__:\n      startup_timeout: 0s\n",
      /^c\.yaml: run_config\.policies\.__default__\.startup_timeout: expected a duration longer than zero, got "0s"$/,
    ],
    [
      "a zero dagrun_timeout",
      "run_config:\n  dagrun_timeout: 0\n",
      /^c\.yaml: run_config\.dagrun_timeout: expected a duration longer than zero, got 0$/,
    ],
    [
      "negative retries",
      "run_config:\n  policies:\n    flaky:\n      retries: -1\n",
      /^c\.yaml: run_config\.policies\.flaky\.retries: expected how many times Airflow retries a failed task \(retries\), an integer from 0$/,
    ],
    [
      "a priority beyond Airflow's database range",
      "run_config:\n  policies:\n    urgent:\n      priority_weight: 2147483648\n",
      /^c\.yaml: run_config\.policies\.urgent\.priority_weight: expected .*an integer from -2147483648 to 2147483647$/,
    ],
    [
      "an empty pool",
      "run_config:\n  policies:\n    p:\n      pool: ''\n",
      /^c\.yaml: run_config\.policies\.p\.pool: expected the Airflow pool .*, got an empty string$/,
    ],
    [
      "an unknown policy key",
      "run_config:\n  policies:\n    p:\n      timeout: 1h\n",
      /^c\.yaml: run_config\.policies\.p\.timeout: unknown key \(expected one of: retries, retry_delay, execution_timeout, pool, priority_weight, startup_timeout\)$/,
    ],
    [
      "a policy name no tag can hold",
      "run_config:\n  policies:\n    'two words': {}\n",
      /^c\.yaml: run_config\.policies\["two words"\]: is not a valid key \(expected policy names/,
    ],
    [
      "the seed's startup_timeout beside the default policy's",
      "run_config:\n  startup_timeout: 600\n  policies:\n    __default__: {startup_timeout: 10m}\n",
      /^c\.yaml: run_config\.startup_timeout: is set and so is run_config\.policies\.__default__\.startup_timeout \(expected one of the two\)$/,
    ],
    // cluster_config: each backend's own schema (components/config/cluster-schemas.ts).
    [
      "a k8s conf given as a string",
      'run_config:\n  spark:\n    type: k8s\n    cluster_config: {conf: "spark.x=1"}\n',
      /^c\.yaml: run_config\.spark\.cluster_config\.conf: expected a mapping of Spark properties to values \(an object\), got a string$/,
    ],
    [
      "a typo of num_executors",
      "run_config:\n  spark:\n    type: kubernetes\n    cluster_config: {num_executor: 30}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.num_executor: unknown key \(expected one of: run_script, image, namespace, .*num_executors, .*gke\)$/,
    ],
    [
      "a fractional num_executors",
      "run_config:\n  spark:\n    type: k8s\n    cluster_config: {num_executors: 1.5}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.num_executors: expected a whole number of executors, 1 or more \(an integer\), got a number$/,
    ],
    [
      "an unknown key of gke",
      "run_config:\n  spark:\n    type: k8s\n    cluster_config: {gke: {cluster: c}}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.gke\.cluster: unknown key \(expected one of: project_id, location, cluster_name\)$/,
    ],
    [
      "a key that is no Dataproc ClusterConfig field",
      "run_config:\n  spark:\n    type: dataproc\n    cluster_config: {num_workers: 2}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.num_workers: unknown key \(expected one of: cluster_type, cluster_tier, engine, config_bucket, temp_bucket, gce_cluster_config, master_config, worker_config, /,
    ],
    [
      "an init action without its file",
      "run_config:\n  spark:\n    type: dataproc\n    cluster_config: {initialization_actions: [{execution_timeout: 600s}]}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.initialization_actions\[0\]\.executable_file: is required \(expected a gs:\/\/ URI of the script\)$/,
    ],
    [
      "an unknown LifecycleConfig field",
      "run_config:\n  spark:\n    type: dataproc\n    cluster_config: {lifecycle_config: {idle_ttl: 600s}}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.lifecycle_config\.idle_ttl: unknown key \(expected one of: idle_delete_ttl, /,
    ],
    [
      "an output-only Batch field",
      "run_config:\n  spark:\n    type: dataproc-serverless\n    cluster_config: {state: RUNNING}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.state: expected no state \(output only, Dataproc sets it\)$/,
    ],
    [
      "a batch's own main file",
      "run_config:\n  spark:\n    type: dataproc-serverless\n    cluster_config: {pyspark_batch: {main_python_file_uri: gs://b/m.py}}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.pyspark_batch\.main_python_file_uri: expected no main_python_file_uri \(it is each group's run script\)$/,
    ],
    [
      "Spark properties that are not strings",
      "run_config:\n  spark:\n    type: dataproc-serverless\n    cluster_config: {runtime_config: {properties: {spark.executor.instances: 2}}}\n",
      /^c\.yaml: run_config\.spark\.cluster_config\.runtime_config\.properties\["spark\.executor\.instances"\]: expected a string \(a string\), got an integer$/,
    ],
  ])("rejects %s", (_, text, expected) => {
    expect(configError(text)).toMatch(expected);
  });
});

describe("run config: YAML anchors, aliases and merge keys", () => {
  it("reads anchors, aliases and << merge keys as YAML 1.1 merge does: explicit keys win", () => {
    const c = parseRunConfigText(
      `run_config:
  image: img:1
  env_vars: &env {A: "1", B: "2"}
  resources:
    __default__: &base
      requests: {cpu: 1, memory: 1Gi}
      limits: {memory: 2Gi}
    big:
      <<: *base
      limits: {memory: 8Gi}
    labelled:
      <<: [{labels: {team: a}}, *base]
  spark:
    type: k8s
    cluster_config:
      env_vars: *env
`,
      "c.yaml",
    );
    expect(c.resources["big"]).toMatchObject({
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: null, memory: "8Gi" },
    });
    expect(c.resources["labelled"]).toMatchObject({
      requests: { cpu: "1", memory: "1Gi" },
      labels: { team: "a" },
    });
    expect(c.spark.clusterConfig).toEqual({ env_vars: { A: "1", B: "2" } });
  });

  it.each([
    [
      "a quoted << (an ordinary key)",
      'run_config:\n  "<<": {image: x}\n',
      /^c\.yaml: run_config\["<<"\]: unknown key \(expected one of: image, /,
    ],
    [
      "a merge of a scalar",
      "run_config:\n  <<: 3\n",
      /^c\.yaml: line 2, column 3: expected YAML \(a << merge key takes a map, an alias of a map, or a list of those\)$/,
    ],
    [
      "a merge of a list alias",
      "run_config:\n  image_pull_secrets: &l [a]\n  resources:\n    big:\n      <<: *l\n",
      /^c\.yaml: line 5, column 7: expected YAML \(a << merge key takes a map/,
    ],
    [
      "an alias with no anchor",
      "run_config:\n  image: *nope\n",
      /^c\.yaml: line 2, column 10: expected YAML \(alias \*nope has no anchor &nope before it\)$/,
    ],
    [
      "an alias inside its own anchor",
      "run_config: &x\n  spark:\n    cluster_config: *x\n",
      /^c\.yaml: line 3, column 21: expected YAML \(alias \*x is inside the node it refers to\)$/,
    ],
    [
      "an alias bomb",
      `run_config:\n  env_vars:\n    A: &a [x, x, x, x, x, x, x, x, x, x]\n${[1, 2, 3, 4]
        .map(
          (i) =>
            `    B${i}: &a${i} [${Array(10)
              .fill(i === 1 ? "*a" : `*a${i - 1}`)
              .join(", ")}]`,
        )
        .join("\n")}\n`,
      /^c\.yaml: \(top level\): expected YAML \(Excessive alias count indicates a resource exhaustion attack\)$/,
    ],
  ])("rejects %s", (_, text, expected) => {
    expect(configError(text)).toMatch(expected);
  });
});

describe("the command line", () => {
  const root = path.resolve(__dirname, "..");

  it("prints the package version with --version", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      version: string;
    };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(cli(["--version"])).toEqual({ code: 0, out: `${version}\n`, err: "" });
  });

  it.each([
    [
      ["plan", "--manifest", "a.json", "--manifest", "b.json"],
      "--manifest is given more than once",
    ],
    [["plan", "--manifest", "a.json", "--json", "--json"], "--json is given more than once"],
    [["compile", "--out=a", "--out", "b"], "--out is given more than once"],
  ])("refuses the repeated option in %j", (args, message) => {
    const { code, out, err } = cli(args);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toBe(`kedro-airflow-k8s: usage error: ${message} (see kedro-airflow-k8s --help)\n`);
  });
});

describe("file-system errors on the paths given: one line, exit 2, nothing written", () => {
  const FIX = path.join(__dirname, "fixtures", "compile");
  const NOSPARK = path.join(FIX, "nospark.manifest.json");
  const CONFIG = path.join(FIX, "dataproc.yaml");
  const compileTo = (out: string, extra: string[] = []) => [
    "compile",
    "--manifest",
    NOSPARK,
    "--config",
    CONFIG,
    "--out",
    out,
    ...extra,
  ];

  /** Runs the command in a fresh folder holding `files`; returns stderr with the folder as `D`. */
  function fsError(args: (dir: string) => string[], files: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kak-fs-"));
    try {
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      const { code, out, err } = cli(args(dir));
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err.endsWith("\n")).toBe(true);
      expect(err.trimEnd().split("\n")).toHaveLength(1);
      expect(err).not.toMatch(/internal error|\n\s+at /);
      const after: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const full = path.join(d, e.name);
          if (e.isDirectory()) walk(full);
          else after.push(path.relative(dir, full));
        }
      };
      walk(dir);
      expect(after.sort()).toEqual(Object.keys(files).sort()); // nothing written
      return err.trimEnd().replace("kedro-airflow-k8s: error: ", "").split(dir).join("D");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it.each<[string, (dir: string) => string[], Record<string, string>, RegExp]>([
    [
      "compile --out an existing file",
      (d) => compileTo(path.join(d, "f")),
      { f: "mine" },
      /^D\/f: --out: is a file, not a folder; give a folder for dags\/ and artifacts\/$/,
    ],
    [
      "compile --out below a file",
      (d) => compileTo(path.join(d, "f", "out")),
      { f: "mine" },
      /^D\/f\/out: --out: has a file where a folder is expected on its path$/,
    ],
    [
      "compile --out where no folder can be made",
      () => compileTo("/proc/kak-nope/out"),
      {},
      /^\/proc\/kak-nope: --out: cannot be written \(ENOENT\)$/,
    ],
    [
      "compile --out a folder compile did not write",
      (d) => compileTo(d),
      { "dags/other.py": "dag = 1\n" },
      /^D: --out: holds files that compile did not write \(it has no \.kedro-airflow-k8s-compile\.json\); give a new or empty folder, or one that compile wrote before$/,
    ],
    [
      "compile --project that does not exist",
      (d) => compileTo(path.join(d, "out"), ["--project", "/nonexistent"]),
      {},
      /^\/nonexistent: --project: expected a Kedro project folder, found none \(ENOENT\)$/,
    ],
    [
      "compile --project a folder without pyproject.toml",
      (d) => compileTo(path.join(d, "out"), ["--project", path.join(d, "p")]),
      { "p/src/x.py": "" },
      /^D\/p: --project: expected a Kedro project folder \(with a pyproject\.toml\), found a folder without one$/,
    ],
    [
      "compile --project a file",
      (d) => compileTo(path.join(d, "out"), ["--project", path.join(d, "f")]),
      { f: "" },
      /^D\/f: --project: expected a Kedro project folder, found a file$/,
    ],
    [
      "compile --config a folder",
      (d) => ["compile", "--manifest", NOSPARK, "--config", d, "--out", path.join(d, "out")],
      {},
      /^D: \(file\): cannot be read \(EISDIR\)$/,
    ],
    [
      // a folder is a set of manifests (several pipelines); this one holds none
      "plan --manifest a folder without manifests",
      (d) => ["plan", "--manifest", d],
      {},
      /^D: \(folder\): expected manifest files \(\*\.json, as `manifest --all --out DIR` writes them\), found none$/,
    ],
    [
      "plan --mermaid a folder",
      (d) => ["plan", "--manifest", NOSPARK, "--mermaid", d],
      {},
      /^D: --mermaid: is a folder; expected the path of a file to write$/,
    ],
    [
      "plan --mermaid where no folder can be made",
      () => ["plan", "--manifest", NOSPARK, "--mermaid", "/proc/kak-nope/plan.mmd"],
      {},
      /^\/proc\/kak-nope\/plan\.mmd: --mermaid: cannot be written \(ENOENT\)$/,
    ],
    [
      "plan --mermaid below a file",
      (d) => ["plan", "--manifest", NOSPARK, "--mermaid", path.join(d, "f", "plan.mmd")],
      { f: "mine" },
      /^D\/f\/plan\.mmd: --mermaid: cannot be written \(ENOTDIR\)$/,
    ],
    [
      "manifest --project that does not exist",
      () => ["manifest", "--project", "/nonexistent"],
      {},
      /^\/nonexistent: --project: expected a Kedro project folder, found none$/,
    ],
  ])("%s", (_, args, files, expected) => {
    expect(fsError(args, files)).toMatch(expected);
  });

  it("names an unreadable file in the project it archives (any file-system error on a user path)", () => {
    const { run } =
      jest.requireActual<typeof import("../components/cli/main")>("../components/cli/main");
    const nodeFs = jest.requireActual<typeof fs>("node:fs");
    const real = nodeFs.readFileSync;
    const spy = jest.spyOn(nodeFs, "readFileSync").mockImplementation(((
      file: fs.PathOrFileDescriptor,
      ...rest: unknown[]
    ) => {
      if (typeof file === "string" && file.endsWith(path.join("project", "pyproject.toml"))) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), {
          code: "EACCES",
          syscall: "open",
          path: file,
        });
      }
      return (real as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.readFileSync);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kak-fs-"));
    try {
      let err = "";
      const code = run(
        [
          "compile",
          "--manifest",
          path.join(FIX, "hostile.manifest.json"),
          "--config",
          CONFIG,
          "--project",
          path.join(FIX, "project"),
          "--out",
          path.join(dir, "out"),
        ],
        { stdout: () => undefined, stderr: (t) => (err += t) },
      );
      expect(err).toBe(
        `kedro-airflow-k8s: error: ${path.join(FIX, "project", "pyproject.toml")}: open failed (EACCES)\n`,
      );
      expect(code).toBe(2);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      spy.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
