import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf } from "./helpers/pulumi-mocks";
import { KedroAirflowDeployment } from "../components/resources/component";

// Preview mode: the Composer environment does not exist yet, so its DAG folder is unknown.
const registered = installMocks(true);
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");

describe("KedroAirflowDeployment (first preview)", () => {
  it("shows the plan, the DAG text and the artifacts while the DAG bucket is still unknown", async () => {
    const env = new gcp.composer.Environment("composer", { region: "europe-west1", config: {} });
    const component = new KedroAirflowDeployment("preview", {
      manifest: path.join(EXAMPLE, "manifest.json"),
      runConfig: path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml"),
      projectDir: EXAMPLE,
      composerEnvironment: env,
    });
    await settle();
    const dagText = await valueOf(component.dagText);
    expect(dagText).toContain('dag_id="spaceflights-spark"');
    expect(await valueOf(component.sparkJobCount)).toBe(1);
    expect(await valueOf(component.dagId)).toBe("spaceflights-spark");
    // Known in preview: the artifacts, their names and their text.
    const objects = registered.filter((r) => r.type === "gcp:storage/bucketObject:BucketObject");
    expect(objects.map((o) => o.name).sort()).toEqual([
      "preview-archive",
      "preview-dag",
      "preview-init.sh",
      "preview-pyspark_clean_reviews_node.py",
    ]);
    for (const o of objects.filter((x) => x.name !== "preview-dag")) {
      expect(o.inputs["bucket"]).toBe("example-project-kedro-artifacts");
    }
    // Unknown in preview: where the DAG goes.
    const dag = objects.find((o) => o.name === "preview-dag")!;
    expect(pulumi.isUnknown(dag.inputs["bucket"])).toBe(true);
    expect(pulumi.isUnknown(dag.inputs["name"])).toBe(true);
    expect(pulumi.isUnknown(await valueOf(component.dagObjectName))).toBe(true);
    expect(dag.inputs["content"]).toBe(dagText);
  });
});
