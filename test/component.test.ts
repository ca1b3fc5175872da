import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import YAML from "yaml";
import { installMocks, settle, valueOf, type Registered } from "./helpers/pulumi-mocks";
import { KedroAirflowDeployment } from "../components";
import { parseDagFolder, validateDeploymentArgs } from "../components/resources/component";
import { SPARK_ROLE_RULES } from "../components/resources/rbac";
import { compileProject } from "../components/rendering/compile";
import { loadManifestFile } from "../components/manifest/load";
import { loadRunConfigFile } from "../components/config/load";
import { planPipeline } from "../components/planning/plan";

let registered: Registered[] = installMocks(false);
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const MANIFEST = path.join(EXAMPLE, "manifest.json");
const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
const FIX = path.join(__dirname, "fixtures", "compile");

let counter = 0;
/**
 * Builds a component under a fresh name and returns it with the resources it registered.
 * Each deployment gets a program run (a mock monitor) of its own: one run refuses two
 * components that would own the same DAG object.
 */
async function deploy(
  args: Partial<ConstructorParameters<typeof KedroAirflowDeployment>[1]>,
  opts?: pulumi.ComponentResourceOptions,
) {
  registered = installMocks(false);
  const start = registered.length;
  const name = `kedro${counter++}`;
  const component = new KedroAirflowDeployment(
    name,
    {
      manifest: MANIFEST,
      runConfig: CONFIG,
      projectDir: EXAMPLE,
      dagBucket: "dag-bucket",
      ...args,
    },
    opts,
  );
  await valueOf(component.dagObjectName);
  await settle();
  return { name, component, resources: registered.slice(start) };
}

const objects = (rs: Registered[]) =>
  rs.filter((r) => r.type === "gcp:storage/bucketObject:BucketObject");
/** The text of a StringAsset source (the mock hands it over as a promise). */
const assetText = async (r: Registered) =>
  await (r.inputs["source"] as { text?: Promise<string> }).text;

describe("KedroAirflowDeployment (update)", () => {
  it("uploads the DAG and every artifact, as children of the component", async () => {
    const { name, component, resources } = await deploy({});
    const types = resources.map((r) => r.type);
    expect(types[0]).toBe("kedro-airflow-k8s:index:KedroAirflowDeployment");
    const objs = objects(resources);
    expect(objs.map((o) => o.name).sort()).toEqual(
      [
        `${name}-archive`,
        `${name}-dag`,
        `${name}-init.sh`,
        `${name}-pyspark_clean_reviews_node.py`,
      ].sort(),
    );
    const dag = objs.find((o) => o.name === `${name}-dag`)!;
    expect(dag.inputs["bucket"]).toBe("dag-bucket");
    // One name per deployment: the DAG id, then a hash of the stack and the pipeline.
    expect(dag.inputs["name"]).toMatch(/^dags\/spaceflights-spark-[0-9a-f]{10}\.py$/);
    expect(await valueOf(component.dagObjectName)).toBe(dag.inputs["name"]);
    // `content`, which the provider updates in place; `source` would force a replacement.
    expect(dag.inputs["source"]).toBeUndefined();
    const dagText = await valueOf(component.dagText);
    expect(dag.inputs["content"]).toBe(dagText);
    // Children: their URNs carry the component's type as parent.
    const childUrn = await valueOf(component.dagObject.urn);
    expect(childUrn).toContain(
      "kedro-airflow-k8s:index:KedroAirflowDeployment$gcp:storage/bucketObject:BucketObject",
    );
  });

  it("puts artifacts under artifacts_path with content-hashed names, the same text as compile", async () => {
    const { component, resources } = await deploy({});
    const manifest = loadManifestFile(MANIFEST);
    const config = loadRunConfigFile(CONFIG);
    const uris = (await valueOf(component.artifactUris))!;
    const archiveName = Object.keys(uris).find((n) => n.endsWith(".tar.gz"))!;
    expect(archiveName).toMatch(/^spaceflights_spark-[0-9a-f]{12}\.tar\.gz$/);
    const compiled = compileProject({
      manifest,
      plan: planPipeline(manifest, config),
      config,
      manifestSource: MANIFEST,
      configSource: CONFIG,
      factory: null,
      projectDir: EXAMPLE,
      archiveName,
    });
    for (const artifact of compiled.artifacts) {
      const obj = objects(resources).find(
        (o) => o.inputs["name"] === `spaceflights-spark/${artifact.name}`,
      )!;
      expect(obj.inputs["bucket"]).toBe("example-project-kedro-artifacts");
      expect(await assetText(obj)).toBe(artifact.content);
      expect(uris[artifact.name]).toBe(
        `gs://example-project-kedro-artifacts/spaceflights-spark/${artifact.name}`,
      );
    }
    const init = compiled.artifacts.find((a) => a.name.startsWith("init-"))!.content;
    expect(init).toContain(
      `ARCHIVE_URI=gs://example-project-kedro-artifacts/spaceflights-spark/${archiveName}`,
    );
    expect(await valueOf(component.dagText)).toBe(compiled.dag.content);
    // The archive asset is a real gzip file of the project.
    const archive = objects(resources).find((o) => String(o.inputs["name"]).endsWith(".tar.gz"))!;
    const file = await (archive.inputs["source"] as { path: Promise<string> }).path;
    expect(zlib.gunzipSync(fs.readFileSync(file)).subarray(257, 262).toString()).toBe("ustar");
  });

  it("gives the same objects and hashes when built twice", async () => {
    const a = await deploy({});
    const b = await deploy({});
    const strip = (rs: Registered[]) =>
      Promise.all(
        objects(rs).map(async (o) => [
          o.inputs["name"],
          o.inputs["content"] ??
            (await assetText(o)) ??
            (await (o.inputs["source"] as { path: Promise<string> }).path),
        ]),
      );
    expect(await strip(b.resources)).toEqual(await strip(a.resources));
  });

  it("changes only the DAG and the artifacts that depend on a changed node", async () => {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
    const before = await deploy({ manifest });
    const changed = JSON.parse(JSON.stringify(manifest));
    // A default node's tags change its pod, not any Spark artifact.
    const defaultNode = changed.nodes.find(
      (n: { name: string }) => n.name === "preprocess_companies_node",
    );
    defaultNode.tags = [...defaultNode.tags, "resources:__default__"];
    defaultNode.name = "preprocess_companies_node_v2";
    const after = await deploy({ manifest: changed });
    const byName = (rs: Registered[]) =>
      new Map(objects(rs).map((o) => [String(o.name).replace(/^kedro\d+-/, ""), o]));
    const b = byName(before.resources);
    const a = byName(after.resources);
    expect(a.get("dag")!.inputs["content"]).not.toBe(b.get("dag")!.inputs["content"]);
    expect(a.get("dag")!.inputs["name"]).toBe(b.get("dag")!.inputs["name"]);
    for (const key of ["pyspark_clean_reviews_node.py", "init.sh", "archive"]) {
      expect(a.get(key)!.inputs["name"]).toBe(b.get(key)!.inputs["name"]);
    }
    expect(await assetText(a.get("pyspark_clean_reviews_node.py")!)).toBe(
      await assetText(b.get("pyspark_clean_reviews_node.py")!),
    );

    // Renaming a Spark node changes its group's run script (a new object name), not the init script.
    const spark = JSON.parse(JSON.stringify(manifest));
    spark.nodes.find((n: { name: string }) => n.name === "build_features_node").name =
      "build_features_node_v2";
    const third = byName((await deploy({ manifest: spark })).resources);
    expect(third.get("pyspark_clean_reviews_node.py")!.inputs["name"]).not.toBe(
      b.get("pyspark_clean_reviews_node.py")!.inputs["name"],
    );
    expect(third.get("init.sh")!.inputs["name"]).toBe(b.get("init.sh")!.inputs["name"]);
    expect(third.get("archive")!.inputs["name"]).toBe(b.get("archive")!.inputs["name"]);
  });

  it("takes the DAG folder from a Composer environment", async () => {
    const env = new gcp.composer.Environment("composer", { region: "europe-west1", config: {} });
    const { resources, component } = await deploy({
      dagBucket: undefined,
      composerEnvironment: env,
    });
    const dag = objects(resources).find((o) => String(o.name).endsWith("-dag"))!;
    expect(dag.inputs["bucket"]).toBe("europe-west1-composer-abc-bucket");
    expect(dag.inputs["name"]).toMatch(/^dags\/spaceflights-spark-[0-9a-f]{10}\.py$/);
    expect(await valueOf(component.dagObjectName)).toBe(dag.inputs["name"]);
  });

  it("reports the plan as outputs", async () => {
    const { component } = await deploy({});
    expect(await valueOf(component.dagId)).toBe("spaceflights-spark");
    expect(await valueOf(component.sparkJobCount)).toBe(1);
    const groups = (await valueOf(component.groups))!;
    expect(groups.find((g) => g.kind === "spark")).toMatchObject({
      name: "pyspark_clean_reviews_node",
      upstream: expect.any(Array),
    });
  });

  it("binds the accounts the run config names on the given provider, in a namespaced Role, never a ClusterRole", async () => {
    const provider = new k8s.Provider("gke", { kubeconfig: "{}" });
    const { name, resources } = await deploy({
      manifest: path.join(FIX, "hostile.manifest.json"),
      runConfig: path.join(FIX, "k8s.yaml"),
      projectDir: undefined,
      kubernetes: { provider, createNamespace: true },
    });
    const k8sResources = resources.filter((r) => r.type.startsWith("kubernetes:"));
    // kedro-runner and spark-driver are named in the run config: the user's accounts (they may
    // carry Workload Identity), bound but not created.
    expect(k8sResources.map((r) => r.type).sort()).toEqual([
      "kubernetes:core/v1:Namespace",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
    expect(resources.some((r) => r.type.includes("ClusterRole"))).toBe(false);
    for (const r of k8sResources) expect(r.provider).toMatch(/::gke::/);
    const role = k8sResources.find((r) => r.type.endsWith(":Role"))!;
    expect(role.inputs["rules"]).toEqual(SPARK_ROLE_RULES);
    const roleMeta = role.inputs["metadata"] as { name: string; namespace: string };
    expect(roleMeta.namespace).toBe("spark-jobs");
    expect(roleMeta.name).toMatch(/^kedro-spark-hostile-dag-id-[0-9a-f]{10}$/);
    const bindings = k8sResources.filter((r) => r.type.endsWith("RoleBinding"));
    expect(
      bindings.map((b) => (b.inputs["subjects"] as { name: string }[])[0]!.name).sort(),
    ).toEqual(["kedro-runner", "spark-driver"]);
    for (const b of bindings) {
      expect((b.inputs["roleRef"] as { kind: string; name: string }).kind).toBe("Role");
      expect((b.inputs["roleRef"] as { name: string }).name).toBe(roleMeta.name);
      expect((b.inputs["subjects"] as { namespace: string }[])[0]!.namespace).toBe("spark-jobs");
      expect((b.inputs["metadata"] as { name: string }).name.startsWith(roleMeta.name)).toBe(true);
    }
    // The DAG uses exactly these accounts.
    const dag = String(objects(resources).find((o) => o.name === `${name}-dag`)!.inputs["content"]);
    expect(dag).toContain('service_account_name="kedro-runner"');
    // Client mode: the driver runs in that pod, under its account, so failures fail the task.
    expect(dag).toContain('"--deploy-mode", "client"');
    expect(dag).not.toContain("serviceAccountName");
  });

  it("creates the accounts the run config leaves unnamed, under names of its own that the DAG uses", async () => {
    const raw = YAML.parse(fs.readFileSync(path.join(FIX, "k8s.yaml"), "utf8"));
    delete raw.run_config.service_account_name;
    delete raw.run_config.spark.cluster_config.driver_service_account;
    const provider = new k8s.Provider("gke", { kubeconfig: "{}" });
    const { name, resources } = await deploy({
      manifest: path.join(FIX, "hostile.manifest.json"),
      runConfig: raw,
      projectDir: undefined,
      kubernetes: { provider },
    });
    const accounts = resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
    const names = accounts.map((r) => (r.inputs["metadata"] as { name: string }).name).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^kedro-spark-hostile-dag-id-[0-9a-f]{10}-driver$/);
    expect(names[1]).toMatch(/^kedro-spark-hostile-dag-id-[0-9a-f]{10}-submit$/);
    for (const r of accounts) expect(r.provider).toMatch(/::gke::/);
    const subjects = resources
      .filter((r) => r.type.endsWith("RoleBinding"))
      .map((b) => (b.inputs["subjects"] as { name: string }[])[0]!.name)
      .sort();
    expect(subjects).toEqual(names);
    const dag = String(objects(resources).find((o) => o.name === `${name}-dag`)!.inputs["content"]);
    expect(dag).toContain(`service_account_name="${names[1]}"`);
    // Client mode: the driver runs in the submitting pod, under its account.
    expect(dag).toContain('"--deploy-mode", "client"');
  });
});

describe("argument errors", () => {
  it("throws a ResourceError naming the argument", () => {
    expect(
      () =>
        new KedroAirflowDeployment("bad1", {
          manifest: MANIFEST,
          runConfig: CONFIG,
          projectDir: EXAMPLE,
        }),
    ).toThrow(/args: dagBucket: give exactly one of dagBucket and composerEnvironment/);
    expect(
      () =>
        new KedroAirflowDeployment("bad2", {
          manifest: MANIFEST,
          runConfig: CONFIG,
          dagBucket: "b",
        }),
    ).toThrow(/args: projectDir: is required for spark\.type dataproc/);
    expect(
      () =>
        new KedroAirflowDeployment("bad3", {
          manifest: { schemaVersion: 1 },
          runConfig: CONFIG,
          projectDir: EXAMPLE,
          dagBucket: "b",
        }),
    ).toThrow(/args\.manifest: project: is required/);
    try {
      new KedroAirflowDeployment("bad4", {
        manifest: MANIFEST,
        runConfig: { run_config: { spark: { type: "emr" } } },
        dagBucket: "b",
      });
    } catch (err) {
      expect(err).toBeInstanceOf(pulumi.ResourceError);
      expect((err as Error).message).toMatch(
        /args\.runConfig: run_config\.spark\.type: expected one of/,
      );
    }
  });

  it("validates pure arguments without Pulumi", () => {
    expect(() =>
      validateDeploymentArgs({
        manifest: MANIFEST,
        runConfig: CONFIG,
        dagBucket: "b",
        dagPrefix: "../x",
      }),
    ).toThrow(/args: dagPrefix: expected a folder inside the bucket/);
    expect(() =>
      validateDeploymentArgs({
        manifest: MANIFEST,
        runConfig: CONFIG,
        dagBucket: "b",
        projectDir: os.tmpdir(),
      }),
    ).toThrow(/args: projectDir: expected a Kedro project folder/);
    expect(parseDagFolder("gs://bucket-1/dags")).toEqual({ bucket: "bucket-1", prefix: "dags/" });
    expect(parseDagFolder("gs://bucket-1")).toEqual({ bucket: "bucket-1", prefix: "" });
  });
});
