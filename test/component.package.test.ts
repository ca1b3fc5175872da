import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, valueOf, type Registered } from "./helpers/pulumi-mocks";
import { KedroAirflowDeployment } from "../components";
import { EXAMPLE, WHEEL, copyExample, kedroPackage, setOld } from "./helpers/kedro-package";

/* The component with run_config.packaging: kedro-package: what it uploads, and under which keys. */
let registered: Registered[] = installMocks(false);
let tmp: string;
let project: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-component-package-"));
  project = path.join(tmp, "project");
  copyExample(project);
  setOld(project);
  kedroPackage(project);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runConfig(type: "dataproc" | "dataproc-serverless"): object {
  return {
    run_config: {
      image: "europe-docker.pkg.dev/p/r/img:1",
      env: "cloud",
      packaging: "kedro-package",
      spark: {
        type,
        project_id: "example-project",
        region: "europe-west1",
        artifacts_path: "gs://artifacts-bucket/spaceflights",
        ...(type === "dataproc-serverless"
          ? {
              cluster_config: {
                runtime_config: { container_image: "europe-docker.pkg.dev/p/r/d:1" },
              },
            }
          : {}),
      },
    },
  };
}

let counter = 0;
async function deploy(type: "dataproc" | "dataproc-serverless", extra: object = {}) {
  registered = installMocks(false);
  const start = registered.length;
  const name = `pkg${counter++}`;
  const component = new KedroAirflowDeployment(name, {
    manifest: path.join(EXAMPLE, "manifest.json"),
    runConfig: runConfig(type),
    projectDir: project,
    dagBucket: "dag-bucket",
    ...extra,
  });
  await valueOf(component.dagObjectName);
  await settle();
  const objects = registered
    .slice(start)
    .filter((r) => r.type === "gcp:storage/bucketObject:BucketObject");
  return { name, component, objects };
}

const sourcePath = async (r: Registered) =>
  await (r.inputs["source"] as { path: Promise<string> }).path;

describe("KedroAirflowDeployment, packaging: kedro-package", () => {
  it("Dataproc: uploads the wheel as built and the conf, no project archive; the init script names both", async () => {
    const { name, component, objects } = await deploy("dataproc");
    const byName = new Map(objects.map((o) => [o.name, o]));
    expect([...byName.keys()].sort()).toEqual(
      [
        `${name}-conf`,
        `${name}-dag`,
        `${name}-init.sh`,
        `${name}-pyspark_clean_reviews_node.py`,
        `${name}-wheel`,
      ].sort(),
    );
    const wheel = byName.get(`${name}-wheel`)!;
    expect(wheel.inputs["bucket"]).toBe("artifacts-bucket");
    expect(wheel.inputs["name"]).toMatch(new RegExp(`^spaceflights/wheels/[0-9a-f]{12}/${WHEEL}$`));
    expect(wheel.inputs["contentType"]).toBe("application/zip");
    expect(fs.readFileSync(await sourcePath(wheel))).toEqual(
      fs.readFileSync(path.join(project, "dist", WHEEL)),
    );
    const conf = byName.get(`${name}-conf`)!;
    expect(conf.inputs["name"]).toMatch(
      /^spaceflights\/conf-spaceflights_spark-[0-9a-f]{12}\.tar\.gz$/,
    );
    const init = await (
      byName.get(`${name}-init.sh`)!.inputs["source"] as { text: Promise<string> }
    ).text;
    expect(init).toContain(`WHEEL_URI=gs://artifacts-bucket/${String(wheel.inputs["name"])}`);
    expect(init).toContain(`CONF_URI=gs://artifacts-bucket/${String(conf.inputs["name"])}`);
    const uris = (await valueOf(component.artifactUris))!;
    expect(Object.values(uris)).toContain(`gs://artifacts-bucket/${String(wheel.inputs["name"])}`);
  });

  it("Serverless: uploads the wheel again as a zip and names it in the batch", async () => {
    const { name, component, objects } = await deploy("dataproc-serverless");
    const keys = objects.map((o) => o.name).sort();
    expect(keys).toEqual(
      [
        `${name}-conf`,
        `${name}-dag`,
        `${name}-pyspark_clean_reviews_node.py`,
        `${name}-wheel`,
        `${name}-wheel-zip`,
      ].sort(),
    );
    const zip = objects.find((o) => o.name === `${name}-wheel-zip`)!;
    const dag = (await valueOf(component.dagText))!;
    expect(dag).toContain(
      `"python_file_uris": ["gs://artifacts-bucket/${String(zip.inputs["name"])}"]`,
    );
  });

  it("a bad wheel is a ResourceError naming the argument, before any object", async () => {
    registered = installMocks(false);
    const bad = path.join(tmp, "not-a-wheel.whl");
    fs.writeFileSync(bad, "no zip");
    expect(
      () =>
        new KedroAirflowDeployment("badpkg", {
          manifest: path.join(EXAMPLE, "manifest.json"),
          runConfig: runConfig("dataproc"),
          projectDir: project,
          dagBucket: "dag-bucket",
          wheel: bad,
        }),
    ).toThrow(pulumi.ResourceError);
    expect(
      () =>
        new KedroAirflowDeployment("badpkg2", {
          manifest: path.join(EXAMPLE, "manifest.json"),
          runConfig: runConfig("dataproc"),
          projectDir: project,
          dagBucket: "dag-bucket",
          wheel: bad,
        }),
    ).toThrow(/not-a-wheel\.whl: args\.wheel: expected a wheel named/);
  });
});
