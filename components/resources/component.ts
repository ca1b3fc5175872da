import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../common/errors";
import type { RunConfig } from "../config/types";
import type { Manifest } from "../manifest/types";
import { dagIdOf, sparkOnK8sAccounts } from "../rendering/dag";
import type { SparkOperatorFactory } from "../rendering/factory";
import { loadFactory } from "../rendering/load-factory";
import { contentHash } from "../rendering/names";
import { deploymentNames, type DeploymentNames, type SparkAccountRole } from "./identity";
import { prepareDeployment, type PreparedDeployment } from "./prepare";
import { SPARK_ROLE_RULES } from "./rbac";
import { composerMismatch, type ComposerVersion } from "../config/composer";

/** The component's type token, as Python, Go, C# and YAML programs name it. */
export const COMPONENT_TYPE = "kedro-airflow-k8s:index:KedroAirflowDeployment";

/**
 * Spark on Kubernetes: which cluster receives the service accounts and RBAC that
 * spark-submit in cluster mode needs.
 */
export interface SparkOnKubernetes {
  /**
   * Kubeconfig of the Kubernetes cluster that runs Spark, for `spark.type: k8s`. The component
   * builds its own Kubernetes provider from it and creates the Spark RBAC there; it never falls
   * back to the ambient kubeconfig. Pass it as a secret.
   */
  kubeconfig?: pulumi.Input<string>;
  /**
   * Also create the Spark namespace (default false: it exists already). Only one deployment
   * may create a given namespace: destroying it deletes everything inside.
   */
  createNamespace?: boolean;
}

/**
 * The arguments of KedroAirflowDeployment in every language: plain data, so that Pulumi's
 * component provider host infers the package schema from this interface (no unions, no
 * functions). Paths are relative to the working directory of the Pulumi program.
 * TypeScript programs may also pass the values in KedroAirflowDeploymentTsArgs.
 */
export interface KedroAirflowDeploymentArgs {
  /** Path of the manifest exported from the Kedro project (`kedro-airflow-k8s manifest`). */
  manifest: string;
  /**
   * Path of the run config YAML in the seed plugin's layout (`conf/base/airflow-k8s.yaml`).
   * Without it, the manifest's `runConfig`: what the project's Kedro config loader resolved
   * from `airflow-k8s*` (base, then the env) when the manifest was exported. This one wins.
   */
  runConfig?: string;
  /**
   * The Kedro project folder: archived and installed on Dataproc clusters (required for
   * `spark.type: dataproc`); `user_init_path` parts are read below its `src/`.
   */
  projectDir?: string;
  /**
   * `gs://bucket/prefix` where the Spark artifacts go, instead of
   * `run_config.spark.artifacts_path`. May be an output, e.g. of a bucket created in the same
   * stack: the plan still shows in preview, the DAG text once the bucket name is known.
   */
  artifactsPath?: pulumi.Input<string>;
  /**
   * For `spark.type: custom`: the JavaScript module of the operator factory as
   * `MODULE#EXPORT` (e.g. `./factories/mine.js#MyFactory`), resolved from the working
   * directory, instead of `run_config.spark.operator_factory`.
   */
  operatorFactory?: string;
  /**
   * The Kedro env every task runs in (`kedro run --env`, the Spark run scripts' session),
   * instead of `run_config.env`; neither means no `--env`, Kedro's default in the image. It
   * must be the env the manifest was exported in, and `conf/<env>` must be deployed (in the
   * project archive for Dataproc: never `local`). One stack per env, e.g. `env: "prod"`.
   */
  env?: string;
  /**
   * With `run_config.packaging: kedro-package`: the wheel `kedro package` built, instead of the
   * one `.whl` in `<projectDir>/dist/`. Uploaded as it is; installed by the Dataproc init
   * script, or (pure-Python wheels only) put on Serverless batches' `python_file_uris`.
   */
  wheel?: string;
  /**
   * With `run_config.packaging: kedro-package`: the conf tarball `kedro package` built, instead
   * of `<projectDir>/dist/conf-<package>.tar.gz`. Packed again without `conf/local` and
   * credentials; the run scripts open the session with it as `conf_source`.
   */
  confArchive?: string;
  /**
   * Manifests (files, or folders of them) of the other pipelines whose DAGs run in the same
   * Airflow: the datasets they write and this pipeline reads become Asset inlets of the tasks
   * that read them (lineage; outlets need no peers). KedroAirflowPipelines sets it for each of
   * its pipelines.
   */
  peerManifests?: string[];
  /**
   * The bucket of the Airflow DAG folder, e.g. the Composer environment's bucket. Give this or
   * `composerEnvironment`. May be an output.
   */
  dagBucket?: pulumi.Input<string>;
  /** The DAG folder inside `dagBucket` (default `dags/`, Composer's DAG folder). May be an output. */
  dagPrefix?: pulumi.Input<string>;
  /**
   * A Composer environment whose `config.dagGcsPrefix` (`gs://bucket/dags`) says where the DAG
   * goes: one created in this stack, or an existing one (`gcp.composer.Environment.get`).
   * Give this or `dagBucket`.
   */
  composerEnvironment?: gcp.composer.Environment;
  /** Spark on Kubernetes (`spark.type: k8s`): the cluster that receives the Spark RBAC. */
  kubernetes?: SparkOnKubernetes;
  /**
   * Former names of Spark groups, by current name, so that a group's run script keeps its
   * Pulumi resource when the group is renamed: its first node was renamed or another node
   * became first, or the names were positional (`pyspark_0`, ...) before stable task ids.
   */
  groupAliases?: { [group: string]: string[] };
}

/** SparkOnKubernetes plus what only TypeScript programs can pass. */
export interface SparkOnKubernetesTs extends SparkOnKubernetes {
  /** The Kubernetes provider of the cluster that runs Spark, instead of `kubeconfig`. */
  provider?: k8s.Provider;
}

/**
 * What TypeScript programs may pass besides KedroAirflowDeploymentArgs: objects and code that
 * no other language can hand to a component. Each has a schema-friendly equivalent.
 */
export interface KedroAirflowDeploymentTsArgs extends Omit<
  KedroAirflowDeploymentArgs,
  "manifest" | "runConfig" | "operatorFactory" | "composerEnvironment" | "kubernetes"
> {
  /** A path to manifest.json, or the manifest object itself. */
  manifest: string | object;
  /** A path to the run config YAML, or the same `{ run_config: {...} }` object (default: the manifest's). */
  runConfig?: string | object;
  /** A `MODULE#EXPORT` path, or the factory itself (a SparkOperatorFactoryBase instance). */
  operatorFactory?: string | SparkOperatorFactory;
  /** A Composer environment resource, or an existing one from `gcp.composer.getEnvironmentOutput`. */
  composerEnvironment?: gcp.composer.Environment | pulumi.Input<gcp.composer.GetEnvironmentResult>;
  kubernetes?: SparkOnKubernetesTs;
}

/** The kind of a plan group: a Spark job, or a pod of default nodes. */
export const GroupKind = {
  /** Nodes that run together in one Spark job. */
  Spark: "spark",
  /** Nodes that run in one Kubernetes pod. */
  Default: "default",
} as const;
export type GroupKind = (typeof GroupKind)[keyof typeof GroupKind];

/** One group of the plan: an Airflow task. */
export interface DeploymentGroup {
  /**
   * The group's Airflow task id: `pyspark_<first node>` for a Spark group, its first node's
   * name for a default group (hashed when that is no plain id); unchanged while its nodes are.
   */
  name: string;
  /** Whether the group is a Spark job or a pod. */
  kind: GroupKind;
  /** Kedro node names, in topological order. */
  nodes: string[];
  /** Names of the groups this one waits for. */
  upstream: string[];
}

const preparedByComponent = new WeakMap<KedroAirflowDeployment, PreparedDeployment>();

/**
 * Deploys a Kedro pipeline to Airflow: the Spark artifacts (project archive, init script, one
 * run script per Spark group) into the artifacts bucket, the Spark RBAC for Spark on
 * Kubernetes, and, once those exist, the DAG into the DAG bucket. The plan, the DAG and the
 * scripts are computed in the constructor from plain values, so `pulumi preview` shows them.
 */
export class KedroAirflowDeployment extends pulumi.ComponentResource {
  /** The Airflow DAG id. */
  public readonly dagId: pulumi.Output<string>;
  /** Object name of the DAG file in the DAG bucket (`<dagPrefix><dag_id>-<hash>.py`). */
  public readonly dagObjectName: pulumi.Output<string>;
  /** The DAG's Python text, as a plain output: export it to see its diff in `pulumi preview --diff`. */
  public readonly dagText: pulumi.Output<string>;
  /** `gs://` URIs of the uploaded artifacts, by artifact name, read from the uploaded objects. */
  public readonly artifactUris: pulumi.Output<{ [artifact: string]: string }>;
  /** How many Spark jobs the plan has. */
  public readonly sparkJobCount: pulumi.Output<number>;
  /** The plan's groups, in topological order. */
  public readonly groups: pulumi.Output<DeploymentGroup[]>;
  /** The DAG object. */
  public readonly dagObject: gcp.storage.BucketObject;
  /** The artifact objects, by artifact name. */
  public readonly artifactObjects: { [artifact: string]: gcp.storage.BucketObject };

  constructor(
    name: string,
    args: KedroAirflowDeploymentArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(COMPONENT_TYPE, name, {}, opts);
    // TypeScript callers may pass the wider KedroAirflowDeploymentTsArgs (see index.ts); the
    // schema args are a subset of it, so everything below handles both.
    const input: KedroAirflowDeploymentTsArgs = args;

    let names: DeploymentNames | undefined;
    const owned = new Set<SparkAccountRole>();
    let prepared: PreparedDeployment;
    // An artifactsPath that is an output is rendered with a placeholder location first.
    const deferredPath =
      input.artifactsPath === undefined || typeof input.artifactsPath === "string"
        ? undefined
        : pulumi.output(input.artifactsPath);
    try {
      validateDeploymentArgs(input);
      prepared = prepareDeployment(
        {
          ...input,
          operatorFactory: resolveFactory(input.operatorFactory),
          artifactsPath:
            deferredPath !== undefined
              ? PLACEHOLDER_PATH
              : (input.artifactsPath as string | undefined),
        },
        "args",
        {
          adjustConfig: (config, manifest) => {
            names = namesFor(config, manifest);
            return nameOwnedAccounts(config, names, owned);
          },
        },
      );
      requireKubernetesCluster(input, prepared.config);
    } catch (err) {
      throw asResourceError(err, this);
    }
    const ids = names!;
    const { compiled, plan } = prepared;
    // What the CLI prints as warnings reaches `pulumi preview` too.
    for (const key of prepared.config.ignoredKeys) {
      pulumi.log.warn(
        `${prepared.configSource}: ${key}: seed plugin setting, accepted but not used`,
        this,
      );
    }
    for (const warning of plan.warnings) pulumi.log.warn(warning, this);

    const needsArtifacts =
      compiled.artifacts.some((a) => a.required) ||
      prepared.archive !== null ||
      prepared.packageFiles.length > 0;
    if (needsArtifacts && prepared.artifacts === null) {
      throw new pulumi.ResourceError(
        `${prepared.configSource}: run_config.spark.artifacts_path: is required to upload the Spark artifacts (or pass args.artifactsPath)`,
        this,
      );
    }
    // Every argument is good: claim the deployment's names, then create the first child.
    claimIdentity(ids.hash, prepared, this);
    preparedByComponent.set(this, prepared);
    const kubernetes = kubernetesProviderFor(name, input, prepared.config, this);
    // Where artifacts go, and their text: plain, or (artifactsPath an output) rendered with a
    // placeholder location that is replaced once the real one is known.
    const location: pulumi.Input<{ bucket: string; prefix: string }> | null =
      prepared.artifacts === null
        ? null
        : deferredPath === undefined
          ? prepared.artifacts
          : deferredPath.apply((p) => {
              try {
                return parseResolvedArtifactsPath(p);
              } catch (err) {
                throw asResourceError(err, this);
              }
            });
    const resolve = (text: string): pulumi.Input<string> =>
      deferredPath === undefined || location === null
        ? text
        : pulumi.output(location).apply((l) => substituteArtifactsPath(text, l, this));

    // Artifacts: content-addressed and never deleted by Pulumi (retainOnDelete), so a DAG run,
    // a queued task or an autoscaling cluster node still finds the version it was given.
    this.artifactObjects = {};
    if (location !== null) {
      const at = pulumi.output(location);
      const upload = (
        key: string,
        objectName: string,
        source: pulumi.Input<pulumi.asset.Asset>,
        contentType: string,
        aliases: string[] = [],
      ) =>
        new gcp.storage.BucketObject(
          `${name}-${key}`,
          {
            bucket: at.bucket,
            name: pulumi.interpolate`${at.prefix}${objectName}`,
            source,
            contentType,
          },
          {
            parent: this,
            retainOnDelete: true,
            aliases: aliases.map((old) => ({ name: `${name}-${old}` })),
          },
        );
      for (const file of prepared.packageFiles) {
        // Keys by role, so that a new build of the same project updates the same resources.
        const key = file.name.startsWith("wheels/")
          ? "wheel"
          : file.name.endsWith(".zip")
            ? "wheel-zip"
            : "conf";
        this.artifactObjects[file.name] = upload(
          key,
          file.name,
          new pulumi.asset.FileAsset(materialise(file.bytes, file.name.replace(/\//g, "-"))),
          file.contentType,
        );
      }
      if (prepared.archive !== null) {
        const archive = prepared.archive;
        this.artifactObjects[archive.name] = upload(
          "archive",
          archive.name,
          new pulumi.asset.FileAsset(materialise(archive.bytes, archive.name)),
          "application/gzip",
        );
      }
      const groupOf = new Map(plan.groups.map((g) => [g.name, g]));
      for (const artifact of compiled.artifacts) {
        // The hash before the extension: a group name may hold a run like it of its own.
        const key = artifact.name.replace(/-[0-9a-f]{12}(?=\.[a-z]+$)/, "");
        const objectName = contentAddressed(artifact.name, artifact.content);
        const group = key.replace(/\.py$/, "");
        const formerNames = groupOf.has(group)
          ? (input.groupAliases?.[group] ?? []).map((old) => `${old}.py`)
          : [];
        const content = resolve(artifact.content);
        this.artifactObjects[artifact.name] = upload(
          key,
          objectName,
          typeof content === "string"
            ? new pulumi.asset.StringAsset(content)
            : pulumi.output(content).apply((text) => new pulumi.asset.StringAsset(text)),
          artifact.name.endsWith(".sh") ? "text/x-shellscript" : "text/x-python",
          formerNames,
        );
      }
    }

    const rbac =
      prepared.config.spark.type === "kubernetes" && plan.groups.some((g) => g.kind === "spark")
        ? createSparkRbac(name, prepared.config, ids, owned, input, kubernetes!, this)
        : [];

    // The DAG: one object name per deployment, updated in place when its text changes (see
    // docs/deployment.md), uploaded only after every artifact and the RBAC exist.
    const folder = dagFolderOf(input, prepared.config.composerVersion, this);
    const dagText = resolve(compiled.dag.content);
    this.dagObject = new gcp.storage.BucketObject(
      `${name}-dag`,
      {
        bucket: folder.bucket,
        name: pulumi.interpolate`${folder.prefix}${ids.dagFile}`,
        // `content`, not `source`: since terraform-provider-google v5.35 (#18479) a change of
        // `content` re-uploads the object under the same name, while `source` forces a
        // replacement (delete, then create) during which Airflow would see no DAG file.
        content: dagText,
        contentType: "text/x-python",
      },
      {
        parent: this,
        // Only bucket, name or contentType changes replace the object; never keep two objects
        // with one DAG id, and never let a create-then-delete remove the new object.
        deleteBeforeReplace: true,
        dependsOn: [...Object.values(this.artifactObjects), ...rbac],
      },
    );

    this.dagId = pulumi.output(compiled.dagId);
    this.dagObjectName = this.dagObject.name;
    this.dagText = pulumi.output(dagText);
    this.artifactUris = pulumi.all(
      Object.fromEntries(
        Object.entries(this.artifactObjects).map(([artifact, object]) => [
          artifact,
          pulumi.interpolate`gs://${object.bucket}/${object.name}`,
        ]),
      ),
    );
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
      dagObject: this.dagObject,
      artifactObjects: this.artifactObjects,
    });
  }

  /**
   * The plan and the rendered files, for programs that compose the component. With an output
   * `artifactsPath`, the artifact URIs in them name a placeholder location.
   */
  get prepared(): PreparedDeployment {
    return preparedByComponent.get(this)!;
  }
}

/** Checks the arguments that are not files: a pure function, tested directly. */
export function validateDeploymentArgs(args: KedroAirflowDeploymentTsArgs): void {
  if (args.manifest === undefined || args.manifest === null) {
    throw new InputError(
      "args",
      "manifest",
      "is required (a path to manifest.json, or the manifest object)",
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
  if (typeof args.dagPrefix === "string") checkDagPrefix(args.dagPrefix);
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
  if (args.kubernetes?.provider !== undefined && args.kubernetes.kubeconfig !== undefined) {
    throw new InputError(
      "args",
      "kubernetes",
      "give kubernetes.provider or kubernetes.kubeconfig, not both",
    );
  }
  const peers = args.peerManifests;
  if (peers !== undefined && (!Array.isArray(peers) || peers.some((p) => typeof p !== "string"))) {
    throw new InputError("args", "peerManifests", "expected a list of manifest files or folders");
  }
  for (const [group, former] of Object.entries(args.groupAliases ?? {})) {
    if (!Array.isArray(former) || former.some((f) => typeof f !== "string" || f === "")) {
      throw new InputError(
        "args",
        `groupAliases[${JSON.stringify(group)}]`,
        "expected a list of former group names",
      );
    }
  }
}

function checkDagPrefix(prefix: string): string {
  if (prefix.startsWith("/") || prefix.split("/").includes("..")) {
    throw new InputError(
      "args",
      "dagPrefix",
      `expected a folder inside the bucket such as "dags/", got ${JSON.stringify(prefix)}`,
    );
  }
  return normalisePrefix(prefix);
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

/**
 * Where the DAG goes: a bucket and folder given, or the Composer environment's DAG folder,
 * once the environment's Composer version agrees with the run config's.
 */
function dagFolderOf(
  args: KedroAirflowDeploymentTsArgs,
  composerVersion: ComposerVersion | null,
  parent: pulumi.Resource,
): { bucket: pulumi.Output<string>; prefix: pulumi.Output<string> } {
  const env = args.composerEnvironment;
  if (env === undefined) {
    const prefix = pulumi.output(args.dagPrefix ?? "dags/").apply((p) => {
      try {
        return checkDagPrefix(p);
      } catch (err) {
        throw asResourceError(err, parent);
      }
    });
    return { bucket: pulumi.output(args.dagBucket!), prefix };
  }
  const folder = environmentFacts(env).apply(
    ({ prefix, imageVersion }): { bucket: string; prefix: string } => {
      // Checked where the DAG's bucket is read, so the DAG object never uploads without it.
      const mismatch = composerMismatch(imageVersion, composerVersion);
      if (mismatch !== null)
        throw new pulumi.ResourceError(`args.composerEnvironment: ${mismatch}`, parent);
      if (prefix) return parseDagFolder(prefix);
      // Before the environment exists (a first preview) its DAG folder is simply not known yet.
      if (pulumi.runtime.isDryRun()) return pulumi.unknown as never;
      throw new pulumi.ResourceError(
        "args.composerEnvironment: config.dagGcsPrefix is empty: the environment reports no DAG folder",
        parent,
      );
    },
  );
  return { bucket: folder.apply((f) => f.bucket), prefix: folder.apply((f) => f.prefix) };
}

/**
 * The DAG folder and image version of a Composer environment: a resource created (or read with
 * Environment.get) in this stack, or the result of gcp.composer.getEnvironmentOutput for an
 * environment managed elsewhere.
 */
export function environmentFacts(
  env: NonNullable<KedroAirflowDeploymentTsArgs["composerEnvironment"]>,
): pulumi.Output<{ prefix: string | undefined; imageVersion: string | undefined }> {
  return gcp.composer.Environment.isInstance(env)
    ? env.config.apply((c) => ({
        prefix: c?.dagGcsPrefix,
        imageVersion: c?.softwareConfig?.imageVersion,
      }))
    : pulumi.output(env).apply((e) => ({
        prefix: e.configs?.[0]?.dagGcsPrefix,
        imageVersion: e.configs?.[0]?.softwareConfigs?.[0]?.imageVersion,
      }));
}

/** Input mistakes become ResourceErrors on the component; anything else keeps its stack. */
function asResourceError(err: unknown, resource: pulumi.Resource): unknown {
  return err instanceof InputError ? new pulumi.ResourceError(err.message, resource) : err;
}

/** A module path given as an argument resolves from the working directory; objects pass through. */
function resolveFactory(
  factory: string | SparkOperatorFactory | undefined,
): SparkOperatorFactory | undefined {
  if (typeof factory !== "string") return factory;
  try {
    const hash = factory.lastIndexOf("#");
    const modulePart = hash === -1 ? factory : factory.slice(0, hash);
    const absolute = path.resolve(modulePart) + (hash === -1 ? "" : factory.slice(hash));
    return loadFactory(absolute, path.join(process.cwd(), "args.operatorFactory"));
  } catch (err) {
    if (err instanceof InputError) throw new InputError("args", "operatorFactory", err.detail);
    throw err;
  }
}

function organization(): string {
  try {
    return pulumi.getOrganization();
  } catch {
    return "";
  }
}

function namesFor(config: RunConfig, manifest: Manifest): DeploymentNames {
  return deploymentNames({
    organization: organization(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    kedroProject: manifest.project.name,
    pipeline: manifest.pipeline,
    dagId: dagIdOf(manifest, config),
  });
}

/**
 * Spark on Kubernetes: an account the run config names is the user's (it may carry Workload
 * Identity or other bindings) and is only bound; an account it leaves unnamed is created by the
 * component under a name unique to this deployment, and the DAG is rendered with that name.
 */
function nameOwnedAccounts(
  config: RunConfig,
  names: DeploymentNames,
  owned: Set<SparkAccountRole>,
): RunConfig {
  if (config.spark.type !== "kubernetes") return config;
  const clusterConfig = { ...config.spark.clusterConfig };
  const named = (key: `${SparkAccountRole}_service_account`) =>
    typeof clusterConfig[key] === "string" || config.serviceAccountName !== null;
  for (const role of ["submit", "driver"] as const) {
    const key = `${role}_service_account` as const;
    if (!named(key)) {
      clusterConfig[key] = names.ownedAccount(role);
      owned.add(role);
    }
  }
  return { ...config, spark: { ...config.spark, clusterConfig } };
}

/** Spark on Kubernetes needs its cluster named explicitly. */
function requireKubernetesCluster(args: KedroAirflowDeploymentTsArgs, config: RunConfig): void {
  if (config.spark.type !== "kubernetes") return;
  if (args.kubernetes?.provider !== undefined || args.kubernetes?.kubeconfig !== undefined) return;
  throw new InputError(
    "args",
    "kubernetes.kubeconfig",
    "is required for spark.type k8s: the kubeconfig of the cluster that runs Spark, which receives its service accounts and RBAC (from TypeScript, kubernetes.provider instead); the ambient kubeconfig and the component's `providers` option are never used for it",
  );
}

/** The explicit Kubernetes provider of Spark on Kubernetes (checked by requireKubernetesCluster). */
function kubernetesProviderFor(
  name: string,
  args: KedroAirflowDeploymentTsArgs,
  config: RunConfig,
  parent: pulumi.Resource,
): k8s.Provider | undefined {
  if (config.spark.type !== "kubernetes") return undefined;
  if (args.kubernetes?.provider !== undefined) return args.kubernetes.provider;
  return new k8s.Provider(
    `${name}-spark-cluster`,
    { kubeconfig: pulumi.secret(args.kubernetes!.kubeconfig!) },
    { parent },
  );
}

/**
 * Two components in one program that would own the same DAG object and RBAC: an error, not a
 * silent overwrite. Scoped to the resource monitor, i.e. to one Pulumi program run.
 */
const claims = new WeakMap<object, Map<string, string>>();
const noMonitor = {};
function claimIdentity(hash: string, prepared: PreparedDeployment, parent: pulumi.Resource) {
  const scope = (pulumi.runtime.getMonitor() as object | undefined) ?? noMonitor;
  const taken = claims.get(scope) ?? new Map<string, string>();
  claims.set(scope, taken);
  const what = `Kedro pipeline ${JSON.stringify(prepared.manifest.pipeline)} of project ${JSON.stringify(prepared.manifest.project.name)} as DAG ${JSON.stringify(prepared.compiled.dagId)}`;
  if (taken.has(hash)) {
    throw new pulumi.ResourceError(
      `${prepared.configSource}: run_config.run_name: another KedroAirflowDeployment in this stack already deploys ${what}; give one of them its own run_name (its DAG id)`,
      parent,
    );
  }
  taken.set(hash, what);
}

/** A placeholder artifacts location, replaced once an output artifactsPath is known. */
const PLACEHOLDER_BUCKET = "kedro-airflow-k8s-unresolved-artifacts-path";
const PLACEHOLDER_PATH = `gs://${PLACEHOLDER_BUCKET}/placeholder`;

/**
 * An artifacts path that arrives as an output: only characters that every escaping context of
 * the DAG and the scripts leaves alone, so that replacing the placeholder is exact.
 */
export function parseResolvedArtifactsPath(uri: string): { bucket: string; prefix: string } {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/([A-Za-z0-9._/-]*))?$/.exec(uri);
  if (match === null || (match[2] ?? "").split("/").includes("..")) {
    throw new InputError(
      "args",
      "artifactsPath",
      `expected gs://bucket/prefix with a prefix of letters, digits and . _ - /, got ${JSON.stringify(uri)}`,
    );
  }
  return { bucket: match[1]!, prefix: normalisePrefix(match[2] ?? "") };
}

/** Puts the resolved artifacts location where rendering used the placeholder. */
export function substituteArtifactsPath(
  text: string,
  location: { bucket: string; prefix: string },
  parent?: pulumi.Resource,
): string {
  const out = text.split(`${PLACEHOLDER_PATH}/`).join(`gs://${location.bucket}/${location.prefix}`);
  if (out.includes(PLACEHOLDER_BUCKET)) {
    // A custom factory that took the URIs apart: its text cannot be completed safely.
    throw new pulumi.ResourceError(
      "args.artifactsPath: a rendered file uses the artifacts location in a form other than whole gs:// URIs (a custom operator factory that splits them?); pass artifactsPath as a plain string",
      parent,
    );
  }
  return out;
}

/** Every uploaded artifact is named by its content (compile leaves the k8s runner unhashed). */
function contentAddressed(name: string, content: string): string {
  if (/-[0-9a-f]{12}\.[a-z]+$/.test(name)) return name;
  const dot = name.lastIndexOf(".");
  return `${name.slice(0, dot)}-${contentHash(content)}${name.slice(dot)}`;
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
 * A namespaced Role with the verbs spark-submit and the driver need on pods, services,
 * configmaps and PVCs, one RoleBinding per account, and the accounts the component names
 * itself. Every name is unique to this deployment; never a ClusterRole. All on the explicit
 * provider.
 */
function createSparkRbac(
  name: string,
  config: RunConfig,
  names: DeploymentNames,
  owned: Set<SparkAccountRole>,
  args: KedroAirflowDeploymentTsArgs,
  provider: k8s.Provider,
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const { namespace, submit, driver } = sparkOnK8sAccounts(config);
  const labels = names.labels;
  const created: pulumi.Resource[] = [];
  let ns: pulumi.Input<string> = namespace;
  let dependsOn: pulumi.Resource[] = [];
  if (args.kubernetes?.createNamespace ?? false) {
    const namespaceResource = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: namespace, labels } },
      { parent, provider },
    );
    ns = namespaceResource.metadata.name;
    dependsOn = [namespaceResource];
    created.push(namespaceResource);
  }
  const opts = { parent, provider, dependsOn };
  const role = new k8s.rbac.v1.Role(
    `${name}-spark-role`,
    { metadata: { name: names.role, namespace: ns, labels }, rules: SPARK_ROLE_RULES },
    opts,
  );
  created.push(role);
  const accounts: { role: SparkAccountRole | "spark"; account: string; owned: boolean }[] =
    submit === driver
      ? [{ role: "spark", account: submit, owned: owned.has("submit") }]
      : [
          { role: "submit", account: submit, owned: owned.has("submit") },
          { role: "driver", account: driver, owned: owned.has("driver") },
        ];
  for (const { role: accountRole, account, owned: isOwned } of accounts) {
    const bindingDeps = [...dependsOn];
    if (isOwned) {
      const sa = new k8s.core.v1.ServiceAccount(
        `${name}-sa-${accountRole}`,
        { metadata: { name: account, namespace: ns, labels } },
        opts,
      );
      created.push(sa);
      bindingDeps.push(sa);
    }
    created.push(
      new k8s.rbac.v1.RoleBinding(
        `${name}-binding-${accountRole}`,
        {
          metadata: { name: names.binding(accountRole), namespace: ns, labels },
          roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: role.metadata.name,
          },
          subjects: [{ kind: "ServiceAccount", name: account, namespace: ns }],
        },
        { ...opts, dependsOn: bindingDeps },
      ),
    );
  }
  return created;
}
