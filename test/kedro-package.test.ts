import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { cli } from "./helpers/cli";
import {
  EXAMPLE,
  PKG,
  WHEEL,
  copyExample,
  kedroPackage as kedroPackageIn,
  setOld,
  touchLater,
} from "./helpers/kedro-package";
import { tarMembers, zipNames } from "../components/resources/kedro-package";

/* run_config.packaging: kedro-package, through `compile` (dist/ made as test/helpers/kedro-package.ts says). */
let tmp: string;
let project: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-package-"));
  project = path.join(tmp, "project");
  copyExample(project);
  // What Kedro's `--exclude=local/*.yml` lets through, and a secret of a deployed env.
  fs.mkdirSync(path.join(project, "conf", "local"), { recursive: true });
  fs.writeFileSync(path.join(project, "conf", "local", "credentials.yaml"), "db: {password: x}\n");
  fs.writeFileSync(path.join(project, "conf", "cloud", "credentials.yml"), "gcp: {token: y}\n");
  const deep = path.join(project, "conf", "cloud", "a".repeat(60), "b".repeat(60));
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, "catalog_deep.yml"), "{}\n");
  setOld(project);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kedroPackage = (wheelName?: string) => kedroPackageIn(project, wheelName);

function config(type: string, extra = ""): string {
  const file = path.join(tmp, `${type}.yaml`);
  const serverless =
    type === "dataproc-serverless"
      ? "    cluster_config: { runtime_config: { container_image: europe-docker.pkg.dev/p/r/deps:1 } }\n"
      : "";
  fs.writeFileSync(
    file,
    `run_config:
  image: europe-docker.pkg.dev/p/r/img:1
  env: cloud
  packaging: kedro-package
${extra}  spark:
    type: ${type}
    project_id: example-project
    region: europe-west1
    artifacts_path: gs://artifacts-bucket/spaceflights
${serverless}`,
  );
  return file;
}

function compile(configFile: string, more: string[] = []) {
  return cli([
    "compile",
    ...["--manifest", path.join(EXAMPLE, "manifest.json"), "--config", configFile],
    ...["--project", project, "--out", path.join(tmp, "out"), "--json", ...more],
  ]);
}

interface Summary {
  dag: string;
  artifacts: { file: string; name: string; uri: string | null }[];
}

function confPaths(file: string): string[] {
  return tarMembers(zlib.gunzipSync(fs.readFileSync(file)), file, "test").map((m) => m.path);
}

describe("packaging: kedro-package", () => {
  test("Dataproc: the wheel as built, the conf packed again without local or credentials, an init script that installs them", () => {
    kedroPackage();
    const result = compile(config("dataproc"));
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out) as Summary;
    const names = summary.artifacts.map((a) => a.name);
    const wheel = summary.artifacts.find((a) => a.name.endsWith(".whl"))!;
    expect(wheel.name).toMatch(new RegExp(`^wheels/[0-9a-f]{12}/${WHEEL.replace(/\./g, "\\.")}$`));
    expect(fs.readFileSync(wheel.file)).toEqual(fs.readFileSync(path.join(project, "dist", WHEEL)));
    expect(wheel.uri).toBe(`gs://artifacts-bucket/spaceflights/${wheel.name}`);
    // no archive of the project folder
    expect(names.filter((n) => /^spaceflights_spark-[0-9a-f]{12}\.tar\.gz$/.test(n))).toEqual([]);

    const conf = summary.artifacts.find((a) => a.name.startsWith(`conf-${PKG}-`))!;
    expect(conf.name).toMatch(/^conf-spaceflights_spark-[0-9a-f]{12}\.tar\.gz$/);
    const inKedroTarball = confPaths(path.join(project, "dist", `conf-${PKG}.tar.gz`));
    expect(inKedroTarball).toEqual(
      expect.arrayContaining(["conf/local/credentials.yaml", "conf/cloud/credentials.yml"]),
    );
    const shipped = confPaths(conf.file);
    expect(shipped).toEqual([
      "conf/base/airflow-k8s.yaml",
      "conf/base/catalog.yml",
      "conf/base/globals.yml",
      "conf/base/parameters.yml",
      `conf/cloud/${"a".repeat(60)}/${"b".repeat(60)}/catalog_deep.yml`,
      "conf/cloud/globals.yml",
    ]);
    const catalog = tarMembers(zlib.gunzipSync(fs.readFileSync(conf.file)), conf.file, "t").find(
      (m) => m.path === "conf/base/catalog.yml",
    )!;
    expect(catalog.data).toEqual(fs.readFileSync(path.join(project, "conf/base/catalog.yml")));

    const init = summary.artifacts.find((a) => a.name.startsWith("init-"))!;
    const script = fs.readFileSync(init.file, "utf8");
    expect(script).toContain(`WHEEL_URI=${wheel.uri}`);
    expect(script).toContain(`CONF_URI=${conf.uri}`);
    expect(script).toContain(`-m pip install --no-input "$workdir/"${WHEEL}`);
    expect(script).not.toContain("ARCHIVE_URI");
    execFileSync("bash", ["-n", init.file]);
    const run = summary.artifacts.find((a) => /^pyspark_.*-[0-9a-f]{12}\.py$/.test(a.name))!;
    const runText = fs.readFileSync(run.file, "utf8");
    expect(runText).toContain(`PACKAGED = {"conf_archive": None, "conf_from": "project_home"}`);
    expect(runText).toContain(`DEFAULT_PROJECT_HOME = "/opt/${PKG}"`);
    execFileSync("python3", [
      "-c",
      "import ast,sys; ast.parse(open(sys.argv[1]).read())",
      run.file,
    ]);
    const dag = fs.readFileSync(summary.dag, "utf8");
    expect(dag).toContain(init.uri!);
    expect(dag).not.toContain("python_file_uris");
  });

  test("a new `kedro package` of unchanged files gives the same conf object (tar's times do not count)", () => {
    kedroPackage();
    const first = JSON.parse(compile(config("dataproc")).out) as Summary;
    fs.rmSync(path.join(project, "dist"), { recursive: true });
    fs.rmSync(path.join(tmp, "out"), { recursive: true });
    const later = new Date("2025-06-01T00:00:00Z");
    fs.utimesSync(path.join(project, "conf/base/catalog.yml"), later, later);
    kedroPackage();
    const second = JSON.parse(compile(config("dataproc")).out) as Summary;
    const conf = (s: Summary) => s.artifacts.find((a) => a.name.startsWith("conf-"))!.name;
    expect(conf(second)).toBe(conf(first));
  });

  test("Serverless: the wheel as a zip on python_file_uris, the conf tarball on file_uris, read through SparkFiles", () => {
    kedroPackage();
    const result = compile(config("dataproc-serverless"));
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out) as Summary;
    const zip = summary.artifacts.find((a) => a.name.endsWith(".zip"))!;
    expect(zip.name).toMatch(/^spaceflights_spark-0\.1\.0-py3-none-any-[0-9a-f]{12}\.zip$/);
    expect(zipNames(fs.readFileSync(zip.file), zip.file, "t")).toContain(`${PKG}/__init__.py`);
    const conf = summary.artifacts.find((a) => a.name.startsWith("conf-"))!;
    const dag = fs.readFileSync(summary.dag, "utf8");
    expect(dag).toContain(`"python_file_uris": ["${zip.uri}"]`);
    expect(dag).toContain(`"file_uris": ["${conf.uri}"]`);
    expect(summary.artifacts.some((a) => a.name.startsWith("init-"))).toBe(false);
    const run = summary.artifacts.find((a) => /^pyspark_.*-[0-9a-f]{12}\.py$/.test(a.name))!;
    const runText = fs.readFileSync(run.file, "utf8");
    expect(runText).toContain(
      `PACKAGED = {"conf_archive": "${conf.name}", "conf_from": "spark_files"}`,
    );
    expect(runText).toContain(`DEFAULT_PROJECT_HOME = "."`);
  });

  test("explicit --wheel and --conf-archive win over dist/", () => {
    kedroPackage();
    const elsewhere = path.join(tmp, "built");
    fs.mkdirSync(elsewhere);
    fs.renameSync(path.join(project, "dist", WHEEL), path.join(elsewhere, WHEEL));
    fs.renameSync(
      path.join(project, "dist", `conf-${PKG}.tar.gz`),
      path.join(elsewhere, "conf.tar.gz"),
    );
    const result = compile(config("dataproc"), [
      ...["--wheel", path.join(elsewhere, WHEEL)],
      ...["--conf-archive", path.join(elsewhere, "conf.tar.gz")],
    ]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
  });

  describe("bad input: one line, exit 2, nothing written", () => {
    const fails = (more: string[], pattern: RegExp, type = "dataproc") => {
      const result = compile(config(type), more);
      expect(result.code).toBe(2);
      expect(result.err.trim().split("\n")).toHaveLength(1);
      expect(result.err).toMatch(pattern);
      expect(fs.existsSync(path.join(tmp, "out"))).toBe(false);
    };

    test("no kedro package run yet", () => {
      fails(
        [],
        /dist: \(kedro package\): expected the wheel that `kedro package` builds, found none: run `kedro package`/,
      );
    });
    test("two wheels in dist/", () => {
      kedroPackage();
      kedroPackage(`${PKG}-0.0.9-py3-none-any.whl`);
      fails(
        [],
        /expected one wheel, found 2 \(spaceflights_spark-0\.0\.9-py3-none-any\.whl, spaceflights_spark-0\.1\.0-py3-none-any\.whl\)/,
      );
    });
    test("a wheel older than the code", () => {
      kedroPackage();
      touchLater(path.join(project, "src", PKG, "settings.py"));
      fails(
        [],
        new RegExp(
          `${WHEEL.replace(/\./g, "\\.")}: \\(kedro package\\): is older than src/${PKG}/settings\\.py: run \`kedro package\` again`,
        ),
      );
    });
    test("a conf tarball older than the conf", () => {
      kedroPackage();
      touchLater(path.join(project, "conf", "base", "catalog.yml"));
      fails(
        [],
        /conf-spaceflights_spark\.tar\.gz: \(kedro package\): is older than conf\/base\/catalog\.yml/,
      );
    });
    test("the wheel of another package", () => {
      kedroPackage();
      const other = path.join(tmp, "other-1.0-py3-none-any.whl");
      execFileSync("python3", ["-m", "zipfile", "-c", other, "data_processing"], {
        cwd: path.join(project, "src", PKG, "pipelines"),
      });
      fails(["--wheel", other], /--wheel: expected the wheel of package spaceflights_spark/);
    });
    test("the env is not in the conf tarball", () => {
      kedroPackage();
      const bad = path.join(tmp, "conf.tar.gz");
      execFileSync("tar", ["-czf", bad, `--directory=${project}`, "conf/base"]);
      fails(["--conf-archive", bad], /run_config\.env: env "cloud" is not in the conf tarball/);
    });
    test("a native wheel on Serverless", () => {
      kedroPackage(`${PKG}-0.1.0-cp311-cp311-manylinux_2_17_x86_64.whl`);
      fs.rmSync(path.join(project, "dist", WHEEL), { force: true });
      fails(
        [],
        /is not a pure-Python wheel \(none-any\): Serverless imports the wheel from a zip/,
        "dataproc-serverless",
      );
    });
  });
});
