/**
 * The Pulumi program: reads the stack config and plans the Kedro pipeline. The plan is
 * computed from plain values while the program runs, so `pulumi preview` shows it.
 * (The resources that deploy the plan come with the KedroAirflowDeployment component.)
 */
import * as pulumi from "@pulumi/pulumi";
import { loadManifestFile, loadRunConfigFile, planPipeline } from "./components";

const config = new pulumi.Config("kedro-airflow-k8s");
const manifestFile = config.get("manifest") ?? "examples/spaceflights_spark/manifest.json";
const runConfigFile =
  config.get("runConfig") ?? "examples/spaceflights_spark/conf/base/airflow-k8s.yaml";

const plan = planPipeline(loadManifestFile(manifestFile), loadRunConfigFile(runConfigFile), {
  manifest: manifestFile,
});

export const groups = plan.groups.map(({ name, kind, nodes, upstream }) => ({
  name,
  kind,
  nodes,
  upstream,
}));
export const counts = plan.counts;
