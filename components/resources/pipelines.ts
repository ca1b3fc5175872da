import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../common/errors";
import { checkManifestSet, loadManifestSet, type ManifestFile } from "../manifest/load";
import { pipelineKey } from "../rendering/names";
import {
  KedroAirflowDeployment,
  type KedroAirflowDeploymentArgs,
  type SparkOnKubernetes,
} from "./component";

/** The component's type token, as Python, Go, C# and YAML programs name it. */
export const PIPELINES_COMPONENT_TYPE = "kedro-airflow-k8s:index:KedroAirflowPipelines";

/**
 * The arguments of KedroAirflowPipelines: those of KedroAirflowDeployment, with `manifests`
 * (several pipelines) instead of `manifest`. Plain data, so that Pulumi's component provider
 * host infers the package schema from it.
 */
export interface KedroAirflowPipelinesArgs {
  /**
   * The pipelines to deploy, one DAG each: paths of manifest files, or of folders written by
   * `kedro-airflow-k8s manifest --all --out DIR` (every `*.json` in them). One project, each
   * pipeline once.
   */
  manifests: string[];
  /**
   * Path of the run config YAML in the seed plugin's layout, shared by every pipeline. Without
   * it, each pipeline's manifest's own `runConfig` (resolved by Kedro's config loader at export).
   */
  runConfig?: string;
  /** The Kedro project folder, archived for Dataproc clusters (one archive for all pipelines). */
  projectDir?: string;
  /** `gs://bucket/prefix` where the Spark artifacts of every pipeline go, instead of `run_config.spark.artifacts_path`. */
  artifactsPath?: pulumi.Input<string>;
  /** For `spark.type: custom`: the factory module as `MODULE#EXPORT`, instead of `run_config.spark.operator_factory`. */
  operatorFactory?: string;
  /** The Kedro env every task of every pipeline runs in, instead of `run_config.env`. */
  env?: string;
  /** With `run_config.packaging: kedro-package`: the wheel `kedro package` built (default: the one in `<projectDir>/dist/`). */
  wheel?: string;
  /** With `run_config.packaging: kedro-package`: the conf tarball `kedro package` built (default: `<projectDir>/dist/conf-<package>.tar.gz`). */
  confArchive?: string;
  /** The bucket of the Airflow DAG folder. Give this or `composerEnvironment`. May be an output. */
  dagBucket?: pulumi.Input<string>;
  /** The DAG folder inside `dagBucket` (default `dags/`). May be an output. */
  dagPrefix?: pulumi.Input<string>;
  /** A Composer environment whose `config.dagGcsPrefix` says where the DAGs go. Give this or `dagBucket`. */
  composerEnvironment?: gcp.composer.Environment;
  /**
   * Spark on Kubernetes: the cluster that receives each pipeline's Spark RBAC.
   * `createNamespace` is refused here: create the namespace once, outside.
   */
  kubernetes?: SparkOnKubernetes;
}

/**
 * Deploys several pipelines of one Kedro project side by side: one KedroAirflowDeployment per
 * pipeline, named `<name>-<pipeline key>` (pipelineKey: injective, lowercase, and without `-`
 * unless cut, so no two children's resource names meet). Each child owns its DAG object, RBAC
 * and run scripts under names that carry its pipeline; content-addressed artifacts that two
 * pipelines share (init script, archive) are the same bytes under the same name.
 */
export class KedroAirflowPipelines extends pulumi.ComponentResource {
  /** The Airflow DAG id of each pipeline, by pipeline name. */
  public readonly dagIds: pulumi.Output<{ [pipeline: string]: string }>;
  /** Object name of each pipeline's DAG file in the DAG bucket, by pipeline name. */
  public readonly dagObjectNames: pulumi.Output<{ [pipeline: string]: string }>;

  constructor(
    name: string,
    args: KedroAirflowPipelinesArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(PIPELINES_COMPONENT_TYPE, name, {}, opts);
    let set: ManifestFile[];
    try {
      set = pipelineManifests(args);
    } catch (err) {
      throw err instanceof InputError ? new pulumi.ResourceError(err.message, this) : err;
    }
    const shared: Omit<KedroAirflowPipelinesArgs, "manifests"> = { ...args };
    delete (shared as Partial<KedroAirflowPipelinesArgs>).manifests;
    const deployments: { [pipeline: string]: KedroAirflowDeployment } = {};
    deploymentsByComponent.set(this, deployments);
    for (const { file, manifest } of set) {
      // Each pipeline's peers are the others: what they write becomes its Asset inlets.
      const peerManifests = set.filter((m) => m.file !== file).map((m) => m.file);
      const childArgs: KedroAirflowDeploymentArgs = { ...shared, manifest: file, peerManifests };
      deployments[manifest.pipeline] = new KedroAirflowDeployment(
        `${name}-${pipelineKey(manifest.pipeline)}`,
        childArgs,
        { parent: this },
      );
    }
    const each = (pick: (d: KedroAirflowDeployment) => pulumi.Output<string>) =>
      pulumi.all(Object.fromEntries(Object.entries(deployments).map(([p, d]) => [p, pick(d)])));
    this.dagIds = each((d) => d.dagId);
    this.dagObjectNames = each((d) => d.dagObjectName);
    this.registerOutputs({ dagIds: this.dagIds, dagObjectNames: this.dagObjectNames });
  }

  /** The deployment of each pipeline, by pipeline name, for programs that compose them. */
  get deployments(): { [pipeline: string]: KedroAirflowDeployment } {
    return deploymentsByComponent.get(this)!;
  }
}

// Not a property: the package schema is inferred from the properties, and a map of
// components is no schema type.
const deploymentsByComponent = new WeakMap<
  KedroAirflowPipelines,
  { [pipeline: string]: KedroAirflowDeployment }
>();

/** Every manifest named by `manifests` (files and folders), checked as one set. */
export function pipelineManifests(args: KedroAirflowPipelinesArgs): ManifestFile[] {
  if (!Array.isArray(args.manifests) || args.manifests.length === 0) {
    throw new InputError(
      "args",
      "manifests",
      "expected a non-empty list of manifest files or folders",
    );
  }
  if (args.kubernetes?.createNamespace === true) {
    throw new InputError(
      "args",
      "kubernetes.createNamespace",
      "is not available for several pipelines (each would create the same namespace); create it once, outside",
    );
  }
  const set = args.manifests.flatMap((entry) => loadManifestSet(entry));
  checkManifestSet(set, "component");
  return [...set].sort((a, b) =>
    a.manifest.pipeline < b.manifest.pipeline
      ? -1
      : a.manifest.pipeline > b.manifest.pipeline
        ? 1
        : 0,
  );
}
