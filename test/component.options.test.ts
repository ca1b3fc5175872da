import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import {
  installMocks,
  resolvedInputs,
  settle,
  valueOf,
  type Registered,
} from "./helpers/pulumi-mocks";
import { KedroAirflowDeployment } from "../components";

// The resource options the component sets, as the engine receives them in each
// RegisterResource request (recorded by a mock monitor, see helpers/pulumi-mocks.ts).
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const MANIFEST = path.join(EXAMPLE, "manifest.json");
const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
const FIX = path.join(__dirname, "fixtures", "compile");
const OBJECT = "gcp:storage/bucketObject:BucketObject";

/** The k8s fixture with no account named, so that the component creates its own. */
function k8sConfigWithoutAccounts(): object {
  const raw = YAML.parse(fs.readFileSync(path.join(FIX, "k8s.yaml"), "utf8"));
  delete raw.run_config.service_account_name;
  delete raw.run_config.spark.cluster_config.driver_service_account;
  raw.run_config.spark.artifacts_path = "gs://shared-artifacts/kedro";
  return raw;
}

async function build(
  registered: Registered[],
  name: string,
  args: Partial<ConstructorParameters<typeof KedroAirflowDeployment>[1]>,
  opts?: ConstructorParameters<typeof KedroAirflowDeployment>[2],
) {
  const start = registered.length;
  const component = new KedroAirflowDeployment(
    name,
    { manifest: MANIFEST, runConfig: CONFIG, projectDir: EXAMPLE, dagBucket: "dags", ...args },
    opts,
  );
  await valueOf(component.dagObjectName);
  await valueOf(component.artifactUris);
  await settle();
  return { component, resources: registered.slice(start) };
}

describe("resource options", () => {
  it("DAG: replaced delete-first, uploaded after every artifact; artifacts: never deleted", async () => {
    const registered = installMocks(false);
    const { resources } = await build(registered, "opts", {});
    const dag = resources.find((r) => r.name === "opts-dag")!;
    const artifacts = resources.filter((r) => r.type === OBJECT && r !== dag);
    expect(artifacts.map((a) => a.name).sort()).toEqual([
      "opts-archive",
      "opts-init.sh",
      "opts-pyspark_clean_reviews_node.py",
    ]);
    expect(dag.options.deleteBeforeReplace).toBe(true);
    // The price of `content`: the provider marks it secret, so the object's own diff hides the
    // text; the dagText output shows it.
    expect(dag.secrets).toEqual(["content"]);
    expect(dag.options.retainOnDelete).toBe(false); // a destroyed deployment removes its DAG
    expect(dag.inputs["content"]).toEqual(expect.stringContaining("DataprocSubmitJobOperator"));
    expect(dag.inputs["source"]).toBeUndefined();
    for (const artifact of artifacts) {
      expect(artifact.options.retainOnDelete).toBe(true);
      expect(dag.options.dependencies).toContain(artifact.urn);
    }
  });

  it("DAG waits for the RBAC too; every Kubernetes resource is on the explicit provider", async () => {
    const registered = installMocks(false);
    const provider = new k8s.Provider("spark-gke", { kubeconfig: "{}" });
    const { resources } = await build(registered, "rbac", {
      manifest: path.join(FIX, "hostile.manifest.json"),
      runConfig: k8sConfigWithoutAccounts(),
      projectDir: undefined,
      kubernetes: { provider },
    });
    const dag = resources.find((r) => r.name === "rbac-dag")!;
    const kube = resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.map((r) => r.type).sort()).toEqual([
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
    for (const r of kube) {
      expect(dag.options.dependencies).toContain(r.urn);
      expect(r.provider).toMatch(/::spark-gke::/);
    }
    // Each binding waits for the account it binds.
    for (const role of ["submit", "driver"]) {
      const binding = kube.find((r) => r.name === `rbac-binding-${role}`)!;
      const account = kube.find((r) => r.name === `rbac-sa-${role}`)!;
      expect(binding.options.dependencies).toContain(account.urn);
    }
  });

  it("artifactUris are read from the uploaded objects, not recomputed", async () => {
    const registered = installMocks({
      // A provider that reports the object under another bucket: the outputs must follow it.
      state: (type, state) =>
        type === OBJECT ? { ...state, bucket: `reported-${String(state["bucket"])}` } : state,
    });
    const { component } = await build(registered, "uris", {});
    const uris = (await valueOf(component.artifactUris))!;
    expect(Object.keys(uris).sort()).toEqual([
      expect.stringMatching(/^init-[0-9a-f]{12}\.sh$/),
      expect.stringMatching(/^pyspark_clean_reviews_node-[0-9a-f]{12}\.py$/),
      expect.stringMatching(/^spaceflights_spark-[0-9a-f]{12}\.tar\.gz$/),
    ]);
    for (const [name, uri] of Object.entries(uris)) {
      expect(uri).toBe(`gs://reported-example-project-kedro-artifacts/spaceflights-spark/${name}`);
    }
    expect(await valueOf(component.dagObjectName)).toMatch(/^dags\/spaceflights-spark-/);
  });

  it("renaming the component with aliases keeps every child and every physical name", async () => {
    const provider = new k8s.Provider("gke", { kubeconfig: "{}" });
    const args = {
      manifest: path.join(FIX, "hostile.manifest.json"),
      runConfig: k8sConfigWithoutAccounts(),
      projectDir: undefined,
      kubernetes: { provider },
    };
    // An engine without alias specs: the SDK itself derives each child's former URN.
    let registered = installMocks({ aliasSpecs: false });
    const before = (await build(registered, "pipeline", args)).resources;
    registered = installMocks({ aliasSpecs: false });
    const after = (
      await build(registered, "pipeline-renamed", args, { aliases: [{ name: "pipeline" }] })
    ).resources;
    expect(after.map((r) => r.name).sort()).toEqual(
      before.map((r) => r.name.replace(/^pipeline/, "pipeline-renamed")).sort(),
    );
    for (const old of before) {
      const renamed = after.find(
        (r) => r.name === old.name.replace(/^pipeline/, "pipeline-renamed"),
      )!;
      expect(renamed.type).toBe(old.type);
      // Each child's former URN, which the SDK derives from the component's alias.
      if (old.options.parent !== "") expect(renamed.options.aliasUrns).toContain(old.urn);
      // Same bucket, object name, Kubernetes names and texts: nothing to replace.
      expect(await resolvedInputs(renamed)).toEqual(await resolvedInputs(old));
    }
    // With alias specs (current engines) the engine derives the children's aliases from the
    // component's, by the same rule: every child's name starts with the component's.
    registered = installMocks(false);
    const current = (
      await build(registered, "pipeline-renamed", args, { aliases: [{ name: "pipeline" }] })
    ).resources;
    expect(current[0]!.options.aliasNames).toEqual(["pipeline"]);
    for (const child of current.slice(1))
      expect(child.name.startsWith("pipeline-renamed-")).toBe(true);
  });

  it("groupAliases keep a renamed Spark group's run script resource", async () => {
    const registered = installMocks(false);
    const { resources } = await build(registered, "groups", {
      groupAliases: { pyspark_clean_reviews_node: ["pyspark_0", "features"] },
    });
    const script = resources.find((r) => r.name === "groups-pyspark_clean_reviews_node.py")!;
    expect(script.options.aliasNames).toEqual(["groups-pyspark_0.py", "groups-features.py"]);
    expect(resources.find((r) => r.name === "groups-init.sh")!.options.aliasNames).toEqual([]);
  });
});

describe("warnings reach pulumi preview", () => {
  it("logs every plan warning and seed-only key on the component, as the CLI prints them", async () => {
    const registered = installMocks(false);
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);
    try {
      const raw = YAML.parse(fs.readFileSync(CONFIG, "utf8"));
      raw.run_config.env = undefined;
      raw.run_config.volume = { disabled: true };
      const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
      manifest.env = null;
      const { component } = await build(registered, "warned", {
        manifest,
        runConfig: JSON.parse(JSON.stringify(raw)),
      });
      const lines = warn.mock.calls.filter((c) => c[1] === component).map((c) => String(c[0]));
      expect(lines).toEqual([
        "args.runConfig: run_config.volume: seed plugin setting, accepted but not used",
        expect.stringMatching(
          /^args\.runConfig: run_config\.env: not set, so the Spark tasks run in Kedro's default env \(local unless settings\.py changes it\), which is never deployed; /,
        ),
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
