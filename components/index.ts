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
export { KedroAirflowDeployment } from "./resources/component";
export type { DeploymentGroup, KedroAirflowDeploymentArgs } from "./resources/component";
export { prepareDeployment } from "./resources/prepare";
export type { DeploymentSource, PreparedDeployment } from "./resources/prepare";
