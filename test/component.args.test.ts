import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf, type Registered } from "./helpers/pulumi-mocks";
import { KedroAirflowDeployment } from "../components";
import {
  parseResolvedArtifactsPath,
  substituteArtifactsPath,
} from "../components/resources/component";

// Inputs as platform teams have them: buckets created in the same stack (outputs), an
// existing Composer environment, an explicit Kubernetes cluster.
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const MANIFEST = path.join(EXAMPLE, "manifest.json");
const CONFIG = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
const FIX = path.join(__dirname, "fixtures", "compile");
const OBJECT = "gcp:storage/bucketObject:BucketObject";

async function build(
  registered: Registered[],
  name: string,
  args: Partial<ConstructorParameters<typeof KedroAirflowDeployment>[1]>,
) {
  const start = registered.length;
  const component = new KedroAirflowDeployment(name, {
    manifest: MANIFEST,
    runConfig: CONFIG,
    projectDir: EXAMPLE,
    ...args,
  });
  await valueOf(component.dagObjectName);
  await valueOf(component.dagText);
  await settle();
  return { component, resources: registered.slice(start) };
}

/** Content hashes in artifact names differ with the rendered location; the rest must not. */
const withoutHashes = (text: string) => text.replace(/-[0-9a-f]{12}\.(py|sh|tar\.gz)/g, "-H.$1");

describe("outputs as bucket, folder and artifacts path", () => {
  it("preview: the plan shows while buckets created in the same stack are unknown", async () => {
    const registered = installMocks({ preview: true });
    const dags = new gcp.storage.Bucket("dags", { location: "EU" });
    const artifacts = new gcp.storage.Bucket("artifacts", { location: "EU" });
    const { component, resources } = await build(registered, "pv", {
      dagBucket: dags.name,
      dagPrefix: pulumi.output("dags/kedro/"),
      artifactsPath: pulumi.interpolate`gs://${artifacts.name}/spaceflights`,
    });
    expect(await valueOf(component.dagId)).toBe("spaceflights-spark");
    expect(await valueOf(component.sparkJobCount)).toBe(1);
    expect((await valueOf(component.groups))!.map((g) => g.kind)).toContain("spark");
    // Every object is planned; where they go and the texts naming them wait for the buckets.
    const objects = resources.filter((r) => r.type === OBJECT);
    expect(objects.map((o) => o.name).sort()).toEqual([
      "pv-archive",
      "pv-dag",
      "pv-init.sh",
      "pv-pyspark_clean_reviews_node.py",
    ]);
    for (const o of objects) expect(pulumi.isUnknown(o.inputs["bucket"])).toBe(true);
    expect(pulumi.isUnknown(await valueOf(component.dagText))).toBe(true);
  });

  it("update: the DAG and the scripts name the resolved location, exactly as with a plain path", async () => {
    let registered = installMocks(false);
    const plain = await build(registered, "plain", {
      dagBucket: "dags-bucket",
      artifactsPath: "gs://artifacts-bucket/spaceflights",
    });
    registered = installMocks(false);
    const dags = new gcp.storage.Bucket("dags", { name: "dags-bucket", location: "EU" });
    const artifacts = new gcp.storage.Bucket("artifacts", {
      name: "artifacts-bucket",
      location: "EU",
    });
    const deferred = await build(registered, "deferred", {
      dagBucket: dags.name,
      dagPrefix: pulumi.output("dags"),
      artifactsPath: pulumi.interpolate`gs://${artifacts.name}/spaceflights`,
    });
    const dagText = (await valueOf(deferred.component.dagText))!;
    expect(dagText).not.toContain("kedro-airflow-k8s-unresolved");
    expect(withoutHashes(dagText)).toBe(withoutHashes((await valueOf(plain.component.dagText))!));
    const uris = (await valueOf(deferred.component.artifactUris))!;
    for (const [name, uri] of Object.entries(uris)) {
      expect(uri).toBe(`gs://artifacts-bucket/spaceflights/${name}`);
      if (!name.endsWith(".tar.gz")) expect(dagText).toContain(uri);
    }
    const dag = deferred.resources.find((r) => r.name === "deferred-dag")!;
    expect(dag.inputs["bucket"]).toBe("dags-bucket");
    expect(dag.inputs["name"]).toMatch(/^dags\/spaceflights-spark-[0-9a-f]{10}\.py$/);
    // The init script names the archive where it really is.
    const init = deferred.resources.find((r) => r.name === "deferred-init.sh")!;
    const initText = await (init.inputs["source"] as { text: Promise<string> }).text;
    const archiveName = Object.keys(uris).find((n) => n.endsWith(".tar.gz"))!;
    expect(initText).toContain(`ARCHIVE_URI=gs://artifacts-bucket/spaceflights/${archiveName}`);
  });

  it("a resolved artifacts path must be safe to place verbatim", () => {
    expect(parseResolvedArtifactsPath("gs://b-1/a/b_c.d/")).toEqual({
      bucket: "b-1",
      prefix: "a/b_c.d/",
    });
    expect(parseResolvedArtifactsPath("gs://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    for (const bad of [
      "gs://bucket/with space",
      'gs://bucket/"q"',
      "gs://bucket/../x",
      "s3://b/x",
    ]) {
      expect(() => parseResolvedArtifactsPath(bad)).toThrow(/^args: artifactsPath: expected gs:/);
    }
    expect(
      substituteArtifactsPath(
        "main=gs://kedro-airflow-k8s-unresolved-artifacts-path/placeholder/run.py",
        { bucket: "b", prefix: "p/" },
      ),
    ).toBe("main=gs://b/p/run.py");
    // A location taken apart (by a custom factory, say) cannot be completed: refused.
    expect(() =>
      substituteArtifactsPath("bucket='kedro-airflow-k8s-unresolved-artifacts-path'", {
        bucket: "b",
        prefix: "",
      }),
    ).toThrow(/args\.artifactsPath: a rendered file uses the artifacts location/);
  });
});

describe("Composer environments", () => {
  it("an existing environment from getEnvironmentOutput gives the DAG folder", async () => {
    const registered = installMocks(false);
    const env = gcp.composer.getEnvironmentOutput({ name: "prod", region: "europe-west1" });
    const { component, resources } = await build(registered, "existing", {
      composerEnvironment: env,
    });
    const dag = resources.find((r) => r.name === "existing-dag")!;
    expect(dag.inputs["bucket"]).toBe("europe-west1-composer-existing-bucket");
    expect(await valueOf(component.dagObjectName)).toMatch(/^dags\/spaceflights-spark-/);
  });
});

describe("the Kubernetes cluster for Spark RBAC is explicit", () => {
  const k8sArgs = {
    manifest: path.join(FIX, "hostile.manifest.json"),
    runConfig: path.join(FIX, "k8s.yaml"),
    projectDir: undefined,
    dagBucket: "dags",
  };

  it("spark.type k8s without one is a ResourceError naming the argument", async () => {
    installMocks(false);
    const gke = new k8s.Provider("ambient", { kubeconfig: "{}" });
    await valueOf(gke.urn);
    await valueOf(gke.id);
    for (const [name, opts] of [
      ["none", {}],
      // A provider in the component's resource options is not taken for the RBAC either.
      ["opts-only", { providers: { kubernetes: gke } }],
    ] as const) {
      let error: unknown;
      try {
        new KedroAirflowDeployment(name, k8sArgs, opts);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(pulumi.ResourceError);
      expect((error as Error).message).toMatch(
        /^args: kubernetes\.kubeconfig: is required for spark\.type k8s: .*the ambient kubeconfig/,
      );
      await settle();
    }
  });

  it("a kubeconfig becomes the component's own provider, kept secret", async () => {
    const registered = installMocks(false);
    const { resources } = await build(registered, "kc", {
      ...k8sArgs,
      kubernetes: { kubeconfig: "apiVersion: v1\nkind: Config\n" },
    });
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(provider.name).toBe("kc-spark-cluster");
    expect(provider.secrets).toContain("kubeconfig");
    const kube = resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBeGreaterThan(0);
    for (const r of kube) expect(r.provider).toMatch(/::kc-spark-cluster::/);
  });

  it("provider and kubeconfig together are refused", () => {
    installMocks(false);
    const provider = new k8s.Provider("both", { kubeconfig: "{}" });
    expect(
      () =>
        new KedroAirflowDeployment("both", {
          ...k8sArgs,
          kubernetes: { provider, kubeconfig: "{}" },
        }),
    ).toThrow(/^args: kubernetes: give kubernetes\.provider or kubernetes\.kubeconfig, not both$/);
  });
});
