import * as fs from "node:fs";
import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import {
  ComponentProvider,
  getPulumiComponents,
} from "@pulumi/pulumi/provider/experimental/provider";
import YAML from "yaml";
import { installMocks, settle, valueOf } from "./helpers/pulumi-mocks";
import * as packageMain from "../components";
import {
  COMPONENT_TYPE,
  KedroAirflowDeployment,
  type KedroAirflowDeploymentArgs,
} from "../components/resources/component";
import { KedroAirflowPipelines, PIPELINES_COMPONENT_TYPE } from "../components/resources/pipelines";
import type { DeploymentSource } from "../components/resources/prepare";

/**
 * Compile-time: every field of a deployment source is also an argument in every language. A
 * field added to DeploymentSource fails `npm run typecheck` here, naming it, until it is added
 * (with its description) to KedroAirflowDeploymentArgs, and so to the schema.
 */
type SourceFieldsMissingFromArgs = Exclude<
  keyof DeploymentSource,
  keyof KedroAirflowDeploymentArgs
>;
const everySourceFieldIsAnArgument: [SourceFieldsMissingFromArgs] extends [never]
  ? true
  : SourceFieldsMissingFromArgs = true;

// The component as a multi-language package, exactly as Pulumi's Node.js plugin host serves
// it (PulumiPlugin.yaml): the schema it infers from the TypeScript args, and construct().
const ROOT = path.join(__dirname, "..");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const SNAPSHOT = path.join(ROOT, "docs", "pulumi-package.schema.json");

interface PropertySpec {
  type?: string;
  $ref?: string;
  plain?: boolean;
  description?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
}
interface Schema {
  name: string;
  version: string;
  description: string;
  resources: Record<
    string,
    {
      isComponent: boolean;
      description: string;
      inputProperties: Record<string, PropertySpec>;
      requiredInputs: string[];
      properties: Record<string, PropertySpec>;
      required: string[];
    }
  >;
  types: Record<
    string,
    { type: string; properties?: Record<string, PropertySpec>; enum?: { value: string }[] }
  >;
  dependencies: { name: string; version: string }[];
}

// One provider, as the host keeps one: the schema is analyzed once and construct() reuses it.
const host = new ComponentProvider({
  components: [KedroAirflowDeployment, KedroAirflowPipelines],
  dirname: ROOT,
  name: "kedro-airflow-k8s",
});
const provider = () => host;
let schema: Schema;
beforeAll(async () => {
  schema = JSON.parse(await host.getSchema());
}, 120_000);

const component = () => schema.resources[COMPONENT_TYPE]!;
const refTo = (token: string) => `#/types/kedro-airflow-k8s:index:${token}`;
const GCP = "/gcp/v9.37.0/schema.json#/resources/";

describe("the plugin the host runs", () => {
  it("takes every deployment source field as an argument (checked by the type checker)", () => {
    expect(everySourceFieldIsAnArgument).toBe(true);
  });

  it("PulumiPlugin.yaml: a Node.js plugin whose main serves exactly these components", () => {
    const plugin = YAML.parse(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8"));
    expect(plugin.runtime.name).toBe("nodejs");
    // main is the compiled package index, which the host requires and scans for components.
    expect(PKG.main).toBe("dist/components/index.js");
    expect(getPulumiComponents(packageMain)).toEqual([
      KedroAirflowDeployment,
      KedroAirflowPipelines,
    ]);
    expect(packageMain.KedroAirflowDeployment).toBe(KedroAirflowDeployment);
  });
});

describe("getSchema: inferred from the TypeScript args", () => {
  it("names the package and its two components", () => {
    expect(schema.name).toBe("kedro-airflow-k8s");
    expect(schema.version).toBe(PKG.version);
    expect(schema.description).toBe(PKG.description);
    expect(Object.keys(schema.resources)).toEqual([COMPONENT_TYPE, PIPELINES_COMPONENT_TYPE]);
    expect(component().isComponent).toBe(true);
    expect(component().description).toMatch(/^Deploys a Kedro pipeline to Airflow/);
  });

  it("KedroAirflowPipelines: the same arguments, with a list of manifests for manifest", () => {
    const several = schema.resources[PIPELINES_COMPONENT_TYPE]!;
    expect(several.isComponent).toBe(true);
    expect(several.requiredInputs).toEqual(["manifests"]);
    expect(several.inputProperties["manifests"]!.type).toBe("array");
    expect(several.inputProperties["manifests"]!.items!.type).toBe("string");
    const single = Object.keys(component().inputProperties).filter(
      // KedroAirflowPipelines gives each pipeline the others as its peers.
      (k) => k !== "manifest" && k !== "groupAliases" && k !== "peerManifests",
    );
    expect(Object.keys(several.inputProperties).sort()).toEqual(["manifests", ...single].sort());
    expect(Object.keys(several.properties).sort()).toEqual(["dagIds", "dagObjectNames"]);
  });

  it("has every argument, typed and described", () => {
    const inputs = component().inputProperties;
    expect(Object.keys(inputs).sort()).toEqual(
      [
        "artifactsPath",
        "composerEnvironment",
        "confArchive",
        "dagBucket",
        "dagPrefix",
        "env",
        "groupAliases",
        "kubernetes",
        "manifest",
        "operatorFactory",
        "peerManifests",
        "projectDir",
        "runConfig",
        "wheel",
      ].sort(),
    );
    for (const [name, spec] of Object.entries(inputs)) {
      expect([name, (spec.description ?? "").length > 20]).toEqual([name, true]);
    }
    // runConfig may be left out: the manifest's own (exported through Kedro's loader) is used.
    expect(component().requiredInputs).toEqual(["manifest"]);
    // Read while the program runs (to plan and render in preview): plain strings.
    for (const name of [
      "manifest",
      "runConfig",
      "projectDir",
      "operatorFactory",
      "wheel",
      "confArchive",
    ]) {
      expect([name, inputs[name]!.type, inputs[name]!.plain]).toEqual([name, "string", true]);
    }
    // Outputs of other resources are welcome: not plain.
    for (const name of ["dagBucket", "dagPrefix", "artifactsPath"]) {
      expect([name, inputs[name]!.type, inputs[name]!.plain]).toEqual([name, "string", undefined]);
    }
    expect(inputs["composerEnvironment"]!.$ref).toBe(
      `${GCP}gcp:composer%2Fenvironment:Environment`,
    );
    expect(inputs["kubernetes"]!.$ref).toBe(refTo("SparkOnKubernetes"));
    expect(inputs["peerManifests"]).toMatchObject({ type: "array", items: { type: "string" } });
    expect(inputs["groupAliases"]).toMatchObject({
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" } },
    });
  });

  it("has the Spark-on-Kubernetes type, described, with no Kubernetes provider in it", () => {
    const k8sType = schema.types["kedro-airflow-k8s:index:SparkOnKubernetes"]!;
    expect(Object.keys(k8sType.properties!).sort()).toEqual(["createNamespace", "kubeconfig"]);
    expect(k8sType.properties!["kubeconfig"]).toMatchObject({ type: "string" });
    expect(k8sType.properties!["kubeconfig"]!.plain).toBeUndefined();
    expect(k8sType.properties!["createNamespace"]).toMatchObject({ type: "boolean", plain: true });
    for (const spec of Object.values(k8sType.properties!)) {
      expect((spec.description ?? "").length).toBeGreaterThan(20);
    }
    // The analyzer would reference a Kubernetes provider as #/resources/kubernetes, which no
    // schema has: the provider stays a TypeScript-only argument.
    expect(JSON.stringify(schema)).not.toContain("kubernetes/v");
    expect(schema.dependencies).toEqual([{ name: "gcp", version: "9.37.0" }]);
  });

  it("has every output, typed and described", () => {
    const outputs = component().properties;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "artifactObjects",
        "artifactUris",
        "dagId",
        "dagObject",
        "dagObjectName",
        "dagText",
        "groups",
        "sparkJobCount",
      ].sort(),
    );
    for (const [name, spec] of Object.entries(outputs)) {
      expect([name, (spec.description ?? "").length > 10]).toEqual([name, true]);
    }
    expect(component().required).toEqual(Object.keys(outputs).sort());
    expect(outputs["dagObject"]!.$ref).toBe(`${GCP}gcp:storage%2FbucketObject:BucketObject`);
    expect(outputs["artifactObjects"]!.additionalProperties!.$ref).toBe(
      `${GCP}gcp:storage%2FbucketObject:BucketObject`,
    );
    expect(outputs["artifactUris"]).toMatchObject({
      type: "object",
      additionalProperties: { type: "string" },
    });
    expect(outputs["groups"]!.items!.$ref).toBe(refTo("DeploymentGroup"));
    const group = schema.types["kedro-airflow-k8s:index:DeploymentGroup"]!;
    expect(Object.keys(group.properties!).sort()).toEqual(["kind", "name", "nodes", "upstream"]);
    expect(group.properties!["kind"]!.$ref).toBe(refTo("GroupKind"));
    expect(schema.types["kedro-airflow-k8s:index:GroupKind"]!.enum!.map((e) => e.value)).toEqual([
      "spark",
      "default",
    ]);
  });

  it("every local reference resolves", () => {
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const token of refs) expect(Object.keys(schema.types)).toContain(token);
  });

  it("docs/pulumi-package.schema.json is the inferred schema (npm run schema rewrites it)", () => {
    expect(JSON.parse(fs.readFileSync(SNAPSHOT, "utf8"))).toEqual(schema);
  });
});

describe("construct: what a Python or YAML program gets", () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it("builds the component from the YAML example's properties, in its folder", async () => {
    const example = path.join(ROOT, "examples", "pulumi-yaml");
    const program = YAML.parse(fs.readFileSync(path.join(example, "Pulumi.yaml"), "utf8"));
    const registered = installMocks({ project: "spaceflights-yaml", stack: "dev" });
    // ${composer} is an environment read with `get`: a resource reference by the time it
    // reaches construct().
    const composer = gcp.composer.Environment.get(
      "composer",
      "projects/example-project/locations/europe-west1/environments/composer",
    );
    const { composerEnvironment, ...literal } = program.resources.spaceflights.properties;
    expect(composerEnvironment).toBe("${composer}");
    process.chdir(example);
    const result = await provider().construct(
      "spaceflights",
      COMPONENT_TYPE,
      { ...literal, composerEnvironment: composer },
      {},
    );
    const urn = await valueOf(pulumi.output(result.urn));
    expect(urn).toBe(`urn:pulumi:dev::spaceflights-yaml::${COMPONENT_TYPE}::spaceflights`);
    const state = result.state as Record<string, pulumi.Output<unknown>>;
    expect(Object.keys(state).sort()).toEqual(Object.keys(component().properties).sort());
    expect(await valueOf(state["dagId"]!)).toBe("spaceflights-spark");
    expect(await valueOf(state["dagObjectName"]!)).toMatch(
      /^dags\/spaceflights-spark-[0-9a-f]{10}\.py$/,
    );
    await settle();
    const children = registered.filter((r) => r.options.parent === urn);
    expect(children.map((r) => r.name).sort()).toEqual([
      "spaceflights-archive",
      "spaceflights-dag",
      "spaceflights-init.sh",
      "spaceflights-pyspark_clean_reviews_node.py",
    ]);
    const dag = children.find((r) => r.name === "spaceflights-dag")!;
    expect(dag.inputs["bucket"]).toBe("europe-west1-composer-abc-bucket");
    expect(String(dag.inputs["content"])).toContain('dag_id="spaceflights-spark"');
  });

  it("takes an output with dependencies for dagBucket, as deserialized from the engine", async () => {
    const registered = installMocks({ stack: "dev" });
    const bucket = new gcp.storage.Bucket("dags", { name: "dags-bucket", location: "EU" });
    const example = path.join(ROOT, "examples", "spaceflights_spark");
    const result = await provider().construct(
      "from-python",
      COMPONENT_TYPE,
      {
        manifest: path.join(example, "manifest.json"),
        runConfig: path.join(example, "conf", "base", "airflow-k8s.yaml"),
        projectDir: example,
        dagBucket: bucket.name,
        kubernetes: { createNamespace: false },
      },
      {},
    );
    const state = result.state as Record<string, pulumi.Output<unknown>>;
    expect(await valueOf(state["sparkJobCount"]!)).toBe(1);
    await settle();
    const dag = registered.find((r) => r.name === "from-python-dag")!;
    expect(dag.inputs["bucket"]).toBe("dags-bucket");
    const bucketUrn = registered.find((r) => r.name === "dags")!.urn;
    expect(dag.options.dependencies).toContain(bucketUrn);
  });

  it("refuses a type it does not serve, and reports argument errors by name", async () => {
    installMocks({ stack: "dev" });
    await expect(
      provider().construct("x", "kedro-airflow-k8s:index:Other", {}, {}),
    ).rejects.toThrow(/Component class not found for 'Other'/);
    await expect(provider().construct("y", COMPONENT_TYPE, { dagBucket: "b" }, {})).rejects.toThrow(
      /^args: manifest: is required/,
    );
    await settle();
  });
});

describe("the YAML example against the schema", () => {
  const example = path.join(ROOT, "examples", "pulumi-yaml");
  const program = YAML.parse(fs.readFileSync(path.join(example, "Pulumi.yaml"), "utf8"));

  it("uses the package from this repository and only properties the schema has", () => {
    expect(
      fs.existsSync(path.join(example, program.packages["kedro-airflow-k8s"], "PulumiPlugin.yaml")),
    ).toBe(true);
    const resource = program.resources.spaceflights;
    expect(resource.type).toBe(COMPONENT_TYPE);
    const inputs = component().inputProperties;
    const given = Object.keys(resource.properties);
    for (const key of given) expect(Object.keys(inputs)).toContain(key);
    for (const key of component().requiredInputs) expect(given).toContain(key);
    for (const [key, value] of Object.entries(resource.properties as Record<string, unknown>)) {
      const spec = inputs[key]!;
      const ref = typeof value === "string" ? /^\$\{(\w+)\}$/.exec(value) : null;
      if (ref !== null) {
        // A reference to another resource of the program: of the type the schema names.
        const target = program.resources[ref[1]!];
        const token = String(target.type).replace(
          /^(\w+):(\w+):(\w+)$/,
          (_m: string, pkg: string, mod: string, name: string) =>
            `${pkg}:${mod}%2F${name[0]!.toLowerCase()}${name.slice(1)}:${name}`,
        );
        expect(spec.$ref).toBe(`${GCP}${token}`);
      } else {
        expect([key, typeof value]).toEqual([key, spec.type]);
      }
    }
    // Paths are relative to the program's folder.
    for (const key of ["manifest", "runConfig", "projectDir"]) {
      expect(fs.existsSync(path.join(example, resource.properties[key]))).toBe(true);
    }
  });

  it("exports only outputs the schema has", () => {
    const outputs = Object.values(program.outputs as Record<string, string>);
    expect(outputs.length).toBeGreaterThan(0);
    for (const expr of outputs) {
      const match = /^\$\{spaceflights\.(\w+)\}$/.exec(expr);
      expect(match).not.toBeNull();
      expect(Object.keys(component().properties)).toContain(match![1]);
    }
  });
});
