/**
 * kedro-airflow-k8s: plan, render and deploy Airflow DAGs for Kedro pipelines whose Spark
 * nodes run on Dataproc, Dataproc Serverless or Kubernetes. The pure core (load, plan) is
 * exported for programs and tests; the Pulumi component builds on it.
 */
export { InputError } from "./common/errors";
export { loadManifestFile, normaliseManifest, parseManifestText } from "./manifest/load";
export type { DatasetInfo, Manifest, ManifestNode, ProjectInfo } from "./manifest/types";
export { loadRunConfigFile, normaliseRunConfig, parseRunConfigText } from "./config/load";
export type { RunConfig, SparkBackend, SparkConfig } from "./config/types";
export { SPARK_TAG, SPARK_TAG_DOTTED } from "./planning/detect";
export type { ReasonCode } from "./planning/detect";
export { planPipeline } from "./planning/plan";
export type { Plan, PlanCounts, PlanEdge, PlanGroup, PlanReason } from "./planning/plan";
export { planToJson, planToMermaid, planToText } from "./planning/report";
export { compileProject } from "./rendering/compile";
export type { CompileInputs, CompiledProject, GeneratedFile } from "./rendering/compile";
export { SparkOperatorFactoryBase } from "./rendering/factory";
export type {
  ClusterOperatorContext,
  SparkOperatorFactory,
  SubmitOperatorContext,
} from "./rendering/factory";
export { archiveVerdict } from "./resources/archive-rules";
export type { ArchiveRuleId, ArchiveVerdict, PathFacts } from "./resources/archive-rules";
import * as pulumi from "@pulumi/pulumi";
import {
  KedroAirflowDeployment as KedroAirflowDeploymentComponent,
  type KedroAirflowDeploymentTsArgs,
} from "./resources/component";

/**
 * The constructor TypeScript programs see: it also takes KedroAirflowDeploymentTsArgs, the
 * objects and code (a manifest object, a factory instance, a Kubernetes provider, an
 * environment from getEnvironmentOutput) that cannot cross to other languages. The class is
 * one and the same; its declared `args` type, KedroAirflowDeploymentArgs, is what Pulumi's
 * component provider host turns into the package schema for Python, Go, C# and YAML.
 */
export interface KedroAirflowDeploymentConstructor {
  new (
    name: string,
    args: KedroAirflowDeploymentTsArgs,
    opts?: pulumi.ComponentResourceOptions,
  ): KedroAirflowDeploymentComponent;
}
// The one assertion that widens `args`: the constructor's first statement reads its argument
// as KedroAirflowDeploymentTsArgs, of which KedroAirflowDeploymentArgs is a subset.
export const KedroAirflowDeployment =
  KedroAirflowDeploymentComponent as KedroAirflowDeploymentConstructor;
export type KedroAirflowDeployment = KedroAirflowDeploymentComponent;
export { COMPONENT_TYPE, GroupKind, validateDeploymentArgs } from "./resources/component";
export type {
  DeploymentGroup,
  KedroAirflowDeploymentArgs,
  KedroAirflowDeploymentTsArgs,
  SparkOnKubernetes,
  SparkOnKubernetesTs,
} from "./resources/component";
export { deploymentNames, identityHash } from "./resources/identity";
export type { DeploymentIdentity, DeploymentNames } from "./resources/identity";
export { prepareDeployment } from "./resources/prepare";
export type { DeploymentSource, PreparedDeployment } from "./resources/prepare";
export { KedroAirflowPipelines, PIPELINES_COMPONENT_TYPE } from "./resources/pipelines";
export type { KedroAirflowPipelinesArgs } from "./resources/pipelines";
export { pipelineKey } from "./rendering/names";
