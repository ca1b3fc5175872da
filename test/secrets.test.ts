/**
 * Secrets stay out: a project whose credentials files, local config, .env and environment hold
 * marker values; the markers appear nowhere in the compiled tree (the archive decompressed),
 * in the component's resource inputs, or in its outputs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { installMocks, settle, valueOf } from "./helpers/pulumi-mocks";
import { run } from "../components/cli/main";
import { KedroAirflowDeployment } from "../components/resources/component";

const registered = installMocks(false);
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark");
const MARKERS = [
  "MARKER-BASE-CRED-7f3a",
  "MARKER-LOCAL-CRED-91c2",
  "MARKER-LOCAL-CONF-5d0e",
  "MARKER-DOTENV-22b1",
  "MARKER-ENVVAR-c4e8",
  "MARKER-PROD-CRED-0a9f",
];

let project: string;
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-secrets-"));
  project = path.join(tmp, "project");
  fs.cpSync(EXAMPLE, project, { recursive: true });
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    fs.writeFileSync(path.join(project, rel), text);
  };
  write("conf/base/credentials.yml", `db:\n  password: ${MARKERS[0]}\n`);
  write("conf/local/credentials.yml", `gcp:\n  token: ${MARKERS[1]}\n`);
  write("conf/local/parameters.yml", `secret_param: ${MARKERS[2]}\n`);
  write(".env", `API_KEY=${MARKERS[3]}\n`);
  write("conf/prod/credentials_gcp.yaml", `key: ${MARKERS[5]}\n`);
  process.env["KAK_TEST_SECRET"] = MARKERS[4];
});
afterAll(() => {
  delete process.env["KAK_TEST_SECRET"];
  fs.rmSync(tmp, { recursive: true, force: true });
});

function assertClean(label: string, text: string): void {
  for (const marker of MARKERS) {
    if (text.includes(marker)) throw new Error(`${label} contains the secret marker ${marker}`);
  }
}

describe("secrets", () => {
  it("never reach the compiled DAG, scripts or archive", () => {
    const out = path.join(tmp, "out");
    const config = path.join(project, "conf", "base", "airflow-k8s.yaml");
    let err = "";
    const code = run(
      [
        "compile",
        "--manifest",
        path.join(project, "manifest.json"),
        "--config",
        config,
        "--project",
        project,
        "--out",
        out,
      ],
      { stdout: () => undefined, stderr: (t) => (err += t) },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    const files = fs
      .readdirSync(path.join(out, "artifacts"))
      .map((f) => path.join(out, "artifacts", f));
    files.push(...fs.readdirSync(path.join(out, "dags")).map((f) => path.join(out, "dags", f)));
    const archive = files.find((f) => f.endsWith(".tar.gz"));
    expect(archive).toBeDefined();
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      assertClean(file, (file.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("latin1"));
    }
    // The archive holds the project's catalog, so the check above did read project files.
    expect(zlib.gunzipSync(fs.readFileSync(archive!)).toString("latin1")).toContain(
      "conf/base/catalog.yml",
    );
  });

  it("never reach the component's resources or outputs", async () => {
    const component = new KedroAirflowDeployment("secrets", {
      manifest: path.join(project, "manifest.json"),
      runConfig: path.join(project, "conf", "base", "airflow-k8s.yaml"),
      projectDir: project,
      dagBucket: "dag-bucket",
    });
    const outputs = await Promise.all([
      valueOf(component.dagText),
      valueOf(component.artifactUris),
      valueOf(component.groups),
      valueOf(component.dagObjectName),
    ]);
    await settle();
    assertClean("component outputs", JSON.stringify(outputs));
    for (const r of registered) {
      const source = r.inputs["source"] as
        { text?: Promise<string>; path?: Promise<string> } | undefined;
      const text = source?.text ? await source.text : "";
      const file = source?.path ? await source.path : undefined;
      const archived = file ? zlib.gunzipSync(fs.readFileSync(file)).toString("latin1") : "";
      assertClean(`${r.type} ${r.name}`, JSON.stringify(r.inputs) + text + archived);
    }
    expect(registered.length).toBeGreaterThan(3);
  });
});
