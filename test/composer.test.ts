import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import { installMocks, settle, valueOf } from "./helpers/pulumi-mocks";
import { environmentFacts } from "../components/resources/component";
import {
  COMPOSER3_NAMESPACE,
  composerMismatch,
  composerVersionOf,
} from "../components/config/composer";
import { normaliseRunConfig } from "../components/config/load";
import { compileProject } from "../components/rendering/compile";
import { loadManifestFile } from "../components/manifest/load";
import { planPipeline } from "../components/planning/plan";
import { sparkOnK8sAccounts } from "../components/rendering/dag";

const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const MANIFEST = path.join(EXAMPLE, "manifest.json");

const config = (runConfig: Record<string, unknown>) =>
  normaliseRunConfig({ run_config: runConfig }, "airflow-k8s.yaml");
const GKE = { project_id: "p", location: "europe-west1", cluster_name: "spark" };

describe("composer_version: 3", () => {
  it("puts pods in composer-user-workloads unless told otherwise, and only there", () => {
    expect(config({ composer_version: 3 }).namespace).toBe(COMPOSER3_NAMESPACE);
    expect(config({ composer_version: 3, namespace: COMPOSER3_NAMESPACE }).namespace).toBe(
      COMPOSER3_NAMESPACE,
    );
    expect(config({}).namespace).toBeNull();
    expect(config({ composer_version: 2, namespace: "ml" }).namespace).toBe("ml");
    expect(() => config({ composer_version: 3, namespace: "ml" })).toThrow(
      'airflow-k8s.yaml: run_config.namespace: is "ml", but Composer 3 (composer_version: 3) runs every pod of its cluster in composer-user-workloads whatever is set; remove the key or set composer-user-workloads',
    );
    expect(() => config({ composer_version: 4 })).toThrow(/run_config\.composer_version/);
  });

  it("refuses Spark on Kubernetes in Composer's own cluster, and keeps Spark's namespace apart", () => {
    for (const type of ["k8s", "kubernetes"]) {
      expect(() =>
        config({ composer_version: 3, spark: { type, cluster_config: { image: "i" } } }),
      ).toThrow(
        /^airflow-k8s\.yaml: run_config\.spark\.cluster_config\.gke: is required for spark\.type k8s on Composer 3 .*kubernetes_conn_id/,
      );
    }
    const onGke = config({
      composer_version: 3,
      spark: { type: "k8s", cluster_config: { gke: GKE } },
    });
    // The pods' namespace is Composer's; Spark's, in its own cluster, is not.
    expect(sparkOnK8sAccounts(onGke).namespace).toBe("default");
    const named = config({
      composer_version: 3,
      spark: { type: "k8s", cluster_config: { kubernetes_conn_id: "spark", namespace: "spark" } },
    });
    expect(sparkOnK8sAccounts(named).namespace).toBe("spark");
    // Composer 2 keeps the old fallback: Spark runs where the pods run.
    const c2 = config({ namespace: "ml", spark: { type: "k8s", cluster_config: {} } });
    expect(sparkOnK8sAccounts(c2).namespace).toBe("ml");
  });

  it("renders the example's pods in composer-user-workloads", () => {
    const manifest = loadManifestFile(MANIFEST);
    const runConfig = config({
      composer_version: 3,
      image: "img",
      spark: {
        type: "dataproc-serverless",
        project_id: "p",
        region: "r",
        artifacts_path: "gs://bucket/kedro",
        cluster_config: { runtime_config: { container_image: "img" } },
      },
    });
    const plan = planPipeline(manifest, runConfig, { manifest: MANIFEST });
    const dag = compileProject({
      manifest,
      plan,
      config: runConfig,
      manifestSource: MANIFEST,
      configSource: "airflow-k8s.yaml",
      factory: null,
      projectDir: null,
    }).dag.content;
    const namespaces = [...dag.matchAll(/namespace="([^"]*)"/g)].map((m) => m[1]);
    expect(namespaces.length).toBeGreaterThan(0);
    expect(new Set(namespaces)).toEqual(new Set([COMPOSER3_NAMESPACE]));
  });
});

describe("the environment's Composer version", () => {
  it("reads the major version from imageVersion", () => {
    expect(composerVersionOf("composer-3-airflow-2.10.5-build.6")).toBe(3);
    expect(composerVersionOf("composer-2.9.7-airflow-2.9.3")).toBe(2);
    expect(composerVersionOf("composer-3")).toBe(3);
    expect(composerVersionOf("composer-1.20.12-airflow-1.10.15")).toBe(1);
    expect(composerVersionOf("airflow-2")).toBeNull();
    expect(composerVersionOf("composer-latest")).toBeNull();
  });

  it("flags only a known disagreement", () => {
    expect(composerMismatch(undefined, null)).toBeNull();
    expect(composerMismatch("", 3)).toBeNull();
    expect(composerMismatch("weird", 3)).toBeNull();
    expect(composerMismatch("composer-2.9.7-airflow-2.9.3", null)).toBeNull();
    expect(composerMismatch("composer-2.9.7-airflow-2.9.3", 2)).toBeNull();
    expect(composerMismatch("composer-3-airflow-2.10.5-build.6", 3)).toBeNull();
    expect(composerMismatch("composer-3-airflow-2.10.5-build.6", null)).toMatch(
      /^runs Composer 3 \(imageVersion composer-3-airflow-2\.10\.5-build\.6\), but run_config\.composer_version is not set \(Composer 2\): set composer_version: 3/,
    );
    expect(composerMismatch("composer-3-airflow-2.10.5-build.6", 2)).toMatch(/is 2: set/);
    expect(composerMismatch("composer-2.9.7-airflow-2.9.3", 3)).toMatch(
      /runs Composer 2 .* but run_config\.composer_version is 3: remove it/,
    );
  });

  it("reads the image version the component checks from either kind of environment", async () => {
    installMocks(false);
    const created = new gcp.composer.Environment("composer3", {
      region: "europe-west1",
      config: { softwareConfig: { imageVersion: "composer-3-airflow-2.10.5-build.6" } },
    });
    expect(await valueOf(environmentFacts(created))).toEqual({
      prefix: "gs://europe-west1-composer-abc-bucket/dags",
      imageVersion: "composer-3-airflow-2.10.5-build.6",
    });
    const existing = {
      configs: [
        {
          dagGcsPrefix: "gs://b/dags",
          softwareConfigs: [{ imageVersion: "composer-2.9.7-airflow-2.9.3" }],
        },
      ],
    } as unknown as gcp.composer.GetEnvironmentResult;
    expect(await valueOf(environmentFacts(existing))).toEqual({
      prefix: "gs://b/dags",
      imageVersion: "composer-2.9.7-airflow-2.9.3",
    });
    await settle();
  });
});
