import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../common/errors";
import { sparkOnK8sAccounts } from "../rendering/dag";
import { prepareDeployment, type DeploymentSource, type PreparedDeployment } from "./prepare";
import { SPARK_ROLE_RULES } from "./rbac";

export interface KedroAirflowDeploymentArgs extends DeploymentSource {
  /**
   * The bucket of the Airflow DAG folder, e.g. the Composer environment's bucket.
   * Give this or `composerEnvironment`.
   * @example "europe-west1-composer-abc123-bucket"
   */
  dagBucket?: pulumi.Input<string>;
  /** The DAG folder inside `dagBucket`. Default `dags/` (Composer's DAG folder). */
  dagPrefix?: string;
  /**
   * A Composer environment whose `config.dagGcsPrefix` (`gs://bucket/dags`) says where DAGs go.
   * During the first preview it is unknown, and so are the DAG object's bucket and name.
   */
  composerEnvironment?: gcp.composer.Environment;
  /**
   * For `spark.type: k8s`: where Spark runs. Creates the service accounts of the submitting pod
   * and the Spark driver, a namespaced Role with only what Spark needs, and the RoleBindings.
   * The Kubernetes provider comes from the component's `providers`/`provider` options.
   */
  kubernetes?: {
    /** Create the namespace too (default false: it exists already). */
    createNamespace?: boolean;
  };
}

export interface DeploymentGroup {
  name: string;
  kind: "spark" | "default";
  nodes: string[];
  upstream: string[];
}

/**
 * Deploys a Kedro pipeline to Airflow: the DAG into the DAG bucket, the Spark artifacts
 * (project archive, init script, one run script per Spark group) into the artifacts bucket,
 * and for Spark on Kubernetes the service accounts and RBAC. The plan, the DAG and the scripts
 * are computed in the constructor from plain values, so `pulumi preview` shows them.
 */
export class KedroAirflowDeployment extends pulumi.ComponentResource {
  /** The Airflow DAG id. */
  public readonly dagId: pulumi.Output<string>;
  /** Object name of the DAG file in the DAG bucket. */
  public readonly dagObjectName: pulumi.Output<string>;
  /** The DAG's Python text, as a plain output so that `pulumi preview --diff` shows changes. */
  public readonly dagText: pulumi.Output<string>;
  /** gs:// URIs of the uploaded artifacts, by artifact name. */
  public readonly artifactUris: pulumi.Output<Record<string, string>>;
  public readonly sparkJobCount: pulumi.Output<number>;
  public readonly groups: pulumi.Output<DeploymentGroup[]>;
  /** The DAG object, and the artifact objects by artifact name. */
  public readonly dagObject: gcp.storage.BucketObject;
  public readonly artifactObjects: Record<string, gcp.storage.BucketObject>;
  /** The plan and rendered files, for programs that compose the component. */
  public readonly prepared: PreparedDeployment;

  constructor(
    name: string,
    args: KedroAirflowDeploymentArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("kedro-airflow-k8s:index:KedroAirflowDeployment", name, {}, opts);
    let prepared: PreparedDeployment;
    try {
      validateDeploymentArgs(args);
      prepared = prepareDeployment(args);
    } catch (err) {
      if (err instanceof InputError) throw new pulumi.ResourceError(err.message, this);
      throw err;
    }
    this.prepared = prepared;
    const { compiled, plan } = prepared;
    const child = { parent: this };

    // Artifacts: named by content, so a new version never overwrites one a running DAG uses.
    this.artifactObjects = {};
    const uris: Record<string, string> = {};
    const needsArtifacts = compiled.artifacts.some((a) => a.required) || prepared.archive !== null;
    if (needsArtifacts && prepared.artifacts === null) {
      throw new pulumi.ResourceError(
        `${describe(args.runConfig, "args.runConfig")}: run_config.spark.artifacts_path: is required to upload the Spark artifacts (or pass args.artifactsPath)`,
        this,
      );
    }
    if (prepared.artifacts !== null) {
      const { bucket, prefix } = prepared.artifacts;
      if (prepared.archive !== null) {
        const objectName = `${prefix}${prepared.archive.name}`;
        this.artifactObjects[prepared.archive.name] = new gcp.storage.BucketObject(
          `${name}-archive`,
          {
            bucket,
            name: objectName,
            source: new pulumi.asset.FileAsset(
              materialise(prepared.archive.bytes, prepared.archive.name),
            ),
            contentType: "application/gzip",
          },
          child,
        );
        uris[prepared.archive.name] = `gs://${bucket}/${objectName}`;
      }
      for (const artifact of compiled.artifacts) {
        const objectName = `${prefix}${artifact.name}`;
        this.artifactObjects[artifact.name] = new gcp.storage.BucketObject(
          `${name}-${artifact.name.replace(/-[0-9a-f]{12}(?=\.)/, "")}`,
          {
            bucket,
            name: objectName,
            source: new pulumi.asset.StringAsset(artifact.content),
            contentType: artifact.name.endsWith(".sh") ? "text/x-shellscript" : "text/x-python",
          },
          child,
        );
        uris[artifact.name] = `gs://${bucket}/${objectName}`;
      }
    }

    // The DAG: into the DAG bucket given, or the Composer environment's DAG folder.
    const dagFile = `${compiled.dagId}.py`;
    let dagBucket: pulumi.Input<string>;
    let dagObjectName: pulumi.Input<string>;
    if (args.composerEnvironment !== undefined) {
      const folder = args.composerEnvironment.config.apply(
        (c): { bucket: string; prefix: string } => {
          const prefix = c?.dagGcsPrefix;
          if (prefix) return parseDagFolder(prefix);
          // Before the environment exists (a first preview) its DAG folder is simply not known yet.
          if (pulumi.runtime.isDryRun()) return pulumi.unknown as never;
          throw new pulumi.ResourceError(
            "args.composerEnvironment: config.dagGcsPrefix is empty: the environment reports no DAG folder",
            this,
          );
        },
      );
      dagBucket = folder.apply((f) => f.bucket);
      dagObjectName = folder.apply((f) => `${f.prefix}${dagFile}`);
    } else {
      dagBucket = args.dagBucket!;
      dagObjectName = `${normalisePrefix(args.dagPrefix ?? "dags/")}${dagFile}`;
    }
    this.dagObject = new gcp.storage.BucketObject(
      `${name}-dag`,
      {
        bucket: dagBucket,
        name: dagObjectName,
        source: new pulumi.asset.StringAsset(compiled.dag.content),
        contentType: "text/x-python",
      },
      child,
    );

    if (
      prepared.config.spark.type === "kubernetes" &&
      plan.groups.some((g) => g.kind === "spark")
    ) {
      createSparkRbac(name, prepared, args.kubernetes?.createNamespace ?? false, this);
    }

    this.dagId = pulumi.output(compiled.dagId);
    this.dagObjectName = pulumi.output(dagObjectName);
    this.dagText = pulumi.output(compiled.dag.content);
    this.artifactUris = pulumi.output(uris);
    this.sparkJobCount = pulumi.output(plan.counts.sparkJobs);
    this.groups = pulumi.output(
      plan.groups.map(({ name: n, kind, nodes, upstream }) => ({ name: n, kind, nodes, upstream })),
    );
    this.registerOutputs({
      dagId: this.dagId,
      dagObjectName: this.dagObjectName,
      dagText: this.dagText,
      artifactUris: this.artifactUris,
      sparkJobCount: this.sparkJobCount,
      groups: this.groups,
    });
  }
}

/** Checks the arguments that are not files: a pure function, tested directly. */
export function validateDeploymentArgs(args: KedroAirflowDeploymentArgs): void {
  if (args.manifest === undefined || args.manifest === null) {
    throw new InputError(
      "args",
      "manifest",
      "is required (a path to manifest.json, or the manifest object)",
    );
  }
  if (args.runConfig === undefined || args.runConfig === null) {
    throw new InputError(
      "args",
      "runConfig",
      "is required (a path to the run config YAML, or the same object)",
    );
  }
  const targets = [args.dagBucket !== undefined, args.composerEnvironment !== undefined].filter(
    Boolean,
  ).length;
  if (targets !== 1) {
    throw new InputError(
      "args",
      "dagBucket",
      "give exactly one of dagBucket and composerEnvironment (where the DAG goes)",
    );
  }
  if (
    args.dagPrefix !== undefined &&
    (args.dagPrefix.startsWith("/") || args.dagPrefix.includes(".."))
  ) {
    throw new InputError(
      "args",
      "dagPrefix",
      `expected a folder inside the bucket such as "dags/", got ${JSON.stringify(args.dagPrefix)}`,
    );
  }
  if (
    args.projectDir !== undefined &&
    !fs.existsSync(path.join(args.projectDir, "pyproject.toml"))
  ) {
    throw new InputError(
      "args",
      "projectDir",
      `expected a Kedro project folder (with pyproject.toml), got ${JSON.stringify(args.projectDir)}`,
    );
  }
}

export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}

/** Composer's `dagGcsPrefix` is `gs://<bucket>/dags`. */
export function parseDagFolder(dagGcsPrefix: string): { bucket: string; prefix: string } {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(dagGcsPrefix);
  if (match === null)
    throw new Error(`unexpected Composer dagGcsPrefix ${JSON.stringify(dagGcsPrefix)}`);
  return { bucket: match[1]!, prefix: normalisePrefix(match[2] ?? "") };
}

function describe(value: string | object, argPath: string): string {
  return typeof value === "string" ? value : argPath;
}

/** FileAsset needs a file: the archive goes to a path named by its content, written once. */
function materialise(bytes: Buffer, name: string): string {
  const dir = path.join(os.tmpdir(), "kedro-airflow-k8s-archives");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const digest = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
  if (!fs.existsSync(file) || digest(fs.readFileSync(file)) !== digest(bytes)) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Service accounts for the submitting pod and the Spark driver, a namespaced Role with the
 * verbs spark-submit and the driver need on pods, services, configmaps and PVCs, and one
 * RoleBinding per account. Never a ClusterRole.
 */
function createSparkRbac(
  name: string,
  prepared: PreparedDeployment,
  createNamespace: boolean,
  parent: pulumi.Resource,
): void {
  const { namespace, submit, driver } = sparkOnK8sAccounts(prepared.config);
  const labels = {
    "app.kubernetes.io/managed-by": "kedro-airflow-k8s",
    "app.kubernetes.io/part-of":
      prepared.compiled.dagId
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, "-")
        .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
        .slice(0, 63) || "kedro",
  };
  let ns: pulumi.Input<string> = namespace;
  let dependsOn: pulumi.Resource[] = [];
  if (createNamespace) {
    const created = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: namespace, labels } },
      { parent },
    );
    ns = created.metadata.name;
    dependsOn = [created];
  }
  const opts = { parent, dependsOn };
  const accounts = [...new Set([submit, driver])];
  const role = new k8s.rbac.v1.Role(
    `${name}-spark-role`,
    { metadata: { name: "kedro-spark", namespace: ns, labels }, rules: SPARK_ROLE_RULES },
    opts,
  );
  for (const account of accounts) {
    new k8s.core.v1.ServiceAccount(
      `${name}-sa-${account}`,
      { metadata: { name: account, namespace: ns, labels } },
      opts,
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-binding-${account}`,
      {
        metadata: { name: `kedro-spark-${account}`, namespace: ns, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account, namespace: ns }],
      },
      opts,
    );
  }
}
