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

// Two stacks (dev, prod) of one project, each with several deployments, all on one DAG
// bucket, one artifacts bucket and one Kubernetes namespace.
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const FIX = path.join(__dirname, "fixtures", "compile");
const OBJECT = "gcp:storage/bucketObject:BucketObject";

const hostile = JSON.parse(fs.readFileSync(path.join(FIX, "hostile.manifest.json"), "utf8"));
const spaceflights = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "manifest.json"), "utf8"));
/** The k8s fixture with no account named (the component creates them), on shared buckets. */
function k8sConfig(): object {
  const raw = YAML.parse(fs.readFileSync(path.join(FIX, "k8s.yaml"), "utf8"));
  delete raw.run_config.service_account_name;
  delete raw.run_config.spark.cluster_config.driver_service_account;
  raw.run_config.spark.artifacts_path = "gs://shared-artifacts/kedro";
  return raw;
}

interface Deployed {
  stack: string;
  name: string;
  resources: Registered[];
}

/** One program run: a stack with the given deployments. */
async function stack(
  stackName: string,
  deployments: { name: string; manifest: object; runConfig: object | string; k8s: boolean }[],
): Promise<Deployed[]> {
  const registered = installMocks({ stack: stackName });
  const provider = new k8s.Provider("spark-cluster", { kubeconfig: "{}" });
  const out: Deployed[] = [];
  for (const d of deployments) {
    const start = registered.length;
    const component = new KedroAirflowDeployment(d.name, {
      manifest: d.manifest,
      runConfig: d.runConfig,
      dagBucket: "shared-dags",
      ...(d.k8s
        ? { kubernetes: { provider } }
        : { projectDir: EXAMPLE, artifactsPath: "gs://shared-artifacts/kedro" }),
    });
    await valueOf(component.artifactUris);
    await valueOf(component.dagObjectName);
    await settle();
    out.push({ stack: stackName, name: d.name, resources: registered.slice(start) });
  }
  return out;
}

const physical = (r: Registered): string => {
  if (r.type === OBJECT)
    return `object gs://${String(r.inputs["bucket"])}/${String(r.inputs["name"])}`;
  const meta = r.inputs["metadata"] as { name: string; namespace?: string };
  return `${r.type} ${meta.namespace ?? ""}/${meta.name}`;
};

describe("no two deployments share what they do not both own", () => {
  it("two pipelines, two projects and two stacks on one bucket and one namespace", async () => {
    const deployments = [
      { name: "features", manifest: hostile, runConfig: k8sConfig(), k8s: true },
      {
        name: "other-pipeline",
        manifest: { ...hostile, pipeline: "data_processing" },
        runConfig: k8sConfig(),
        k8s: true,
      },
      {
        name: "other-project",
        manifest: { ...hostile, project: { ...hostile.project, name: "other_project" } },
        runConfig: k8sConfig(),
        k8s: true,
      },
      {
        name: "spaceflights",
        manifest: spaceflights,
        runConfig: path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml"),
        k8s: false,
      },
    ];
    const all = [...(await stack("dev", deployments)), ...(await stack("prod", deployments))];
    expect(all).toHaveLength(8);

    // DAG objects, Roles, RoleBindings and ServiceAccounts: each owned by one deployment.
    const owners = new Map<string, string>();
    for (const d of all) {
      for (const r of d.resources) {
        const mutable =
          r.name.endsWith("-dag") ||
          r.type.startsWith("kubernetes:rbac") ||
          r.type === "kubernetes:core/v1:ServiceAccount";
        if (!mutable) continue;
        const key = physical(r);
        expect(owners.get(key)).toBeUndefined();
        owners.set(key, `${d.stack}/${d.name}`);
      }
    }
    const counted = (type: string) => [...owners.keys()].filter((k) => k.startsWith(type)).length;
    expect([...owners.keys()].filter((k) => k.startsWith("object ")).length).toBe(8);
    expect(counted("kubernetes:rbac.authorization.k8s.io/v1:Role ")).toBe(6);
    expect(counted("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding ")).toBe(12);
    expect(counted("kubernetes:core/v1:ServiceAccount ")).toBe(12);

    // Artifacts are named by their content and never deleted (retainOnDelete): two deployments
    // that upload the same name upload the same bytes, and neither ever deletes it.
    const contentOf = new Map<string, unknown>();
    let shared = 0;
    for (const d of all) {
      for (const r of d.resources.filter((x) => x.type === OBJECT && !x.name.endsWith("-dag"))) {
        expect(r.options.retainOnDelete).toBe(true);
        const key = physical(r);
        const bytes = (await resolvedInputs(r))["source"];
        if (contentOf.has(key)) {
          shared++;
          expect(bytes).toEqual(contentOf.get(key));
        }
        contentOf.set(key, bytes);
      }
    }
    expect(shared).toBeGreaterThan(0); // dev and prod upload the same example artifacts
  });

  it("refuses two deployments of the same pipeline and DAG in one stack", async () => {
    installMocks({ stack: "dev" });
    const args = {
      manifest: spaceflights,
      runConfig: path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml"),
      projectDir: EXAMPLE,
      dagBucket: "shared-dags",
    };
    new KedroAirflowDeployment("first", args);
    let error: unknown;
    try {
      new KedroAirflowDeployment("second", args);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(pulumi.ResourceError);
    expect((error as Error).message).toMatch(
      /conf\/base\/airflow-k8s\.yaml: run_config\.run_name: another KedroAirflowDeployment in this stack already deploys Kedro pipeline "__default__" of project "spaceflights-spark" as DAG "spaceflights-spark"/,
    );
    // A run_name of its own makes it another DAG, another object, another identity.
    const raw = YAML.parse(
      fs.readFileSync(path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml"), "utf8"),
    );
    raw.run_config.run_name = "spaceflights-spark-canary";
    const canary = new KedroAirflowDeployment("canary", { ...args, runConfig: raw });
    expect(await valueOf(canary.dagObjectName)).toMatch(
      /^dags\/spaceflights-spark-canary-[0-9a-f]{10}\.py$/,
    );
    await settle();
  });
});
