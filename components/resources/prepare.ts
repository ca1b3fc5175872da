import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import { chooseRunConfig, type RunConfigOrigin } from "../config/choose";
import type { RunConfig } from "../config/types";
import { loadManifestFile, loadManifestSet, normaliseManifest } from "../manifest/load";
import type { Manifest } from "../manifest/types";
import { planPipeline, type Plan } from "../planning/plan";
import { compileProject, type CompiledProject } from "../rendering/compile";
import type { SparkOperatorFactory } from "../rendering/factory";
import { checkFactory, loadFactory } from "../rendering/load-factory";
import { contentHash } from "../rendering/names";
import { buildArchive, projectEntries, type ArchiveEntry } from "./archive";
import { readKedroPackage, type PackageFile } from "./kedro-package";

/** The plain (non-Output) inputs of a deployment; the component adds where the DAG goes. */
export interface DeploymentSource {
  /** The manifest: a path to manifest.json, or the manifest object itself. */
  manifest: string | object;
  /**
   * The run config: a path to the YAML file, or the same `{ run_config: {...} }` object.
   * Without it, the manifest's `runConfig` (what Kedro's config loader resolved at export).
   */
  runConfig?: string | object;
  /** The Kedro project folder, archived for Dataproc clusters. Required for `dataproc` and `custom`. */
  projectDir?: string;
  /** Overrides `run_config.spark.artifacts_path` (`gs://bucket/prefix`). */
  artifactsPath?: string;
  /** The custom operator factory, instead of `run_config.spark.operator_factory`. */
  operatorFactory?: SparkOperatorFactory;
  /**
   * The Kedro env the tasks run in, instead of `run_config.env`. Neither: no `--env` is
   * passed and Kedro's own default applies inside the image.
   */
  env?: string;
  /**
   * With `run_config.packaging: kedro-package`: the wheel `kedro package` built, instead of
   * the one `.whl` in `<projectDir>/dist/`.
   */
  wheel?: string;
  /** With `packaging: kedro-package`: the conf tarball, instead of `<projectDir>/dist/conf-<package>.tar.gz`. */
  confArchive?: string;
  /**
   * Manifests (files or folders of them) of the other pipelines deployed alongside: the
   * datasets they write and this one reads become its tasks' Asset inlets.
   */
  peerManifests?: string[];
}

/** Everything the component deploys, computed synchronously so that preview shows it. */
export interface PreparedDeployment {
  manifest: Manifest;
  config: RunConfig;
  /** Which run config was used, and how errors name it. */
  configOrigin: RunConfigOrigin;
  configSource: string;
  plan: Plan;
  compiled: CompiledProject;
  /** Where artifacts go: bucket and object prefix (ending in `/` or empty). */
  artifacts: { bucket: string; prefix: string } | null;
  /** The project archive, when the backend installs the project on a cluster. */
  archive: { name: string; bytes: Buffer } | null;
  /** With `packaging: kedro-package`: the wheel, the conf tarball (and the wheel as a zip, for Serverless). */
  packageFiles: PackageFile[];
}

/** Splits `gs://bucket/some/prefix` into the bucket and `some/prefix/`. */
export function parseGcsPath(
  uri: string,
  source: string,
  where: string,
): { bucket: string; prefix: string } {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (match === null)
    throw new InputError(source, where, `expected gs://bucket/prefix, got ${JSON.stringify(uri)}`);
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: match[1]!, prefix: prefix === "" ? "" : `${prefix}/` };
}

/**
 * Loads, plans and renders a deployment; builds the project archive when one is needed.
 * Throws InputError (naming the argument, file or key) for anything wrong in the inputs.
 */
export function prepareDeployment(
  source: DeploymentSource,
  argName = "args",
  options: {
    projectDirForScripts?: string;
    /** How errors name an explicit `env`: source and path (the CLI: `--env`). */
    envLabel?: { source: string; path: string };
    /** How errors name the run config option when none is found (the CLI: `--config FILE`). */
    runConfigOption?: string;
    /** Applied to the loaded run config before planning and rendering (the component names its accounts here). */
    adjustConfig?: (config: RunConfig, manifest: Manifest) => RunConfig;
    /** How errors name explicit `wheel` and `confArchive` (the CLI: `--wheel`, `--conf-archive`). */
    packageLabels?: { wheel: string; confArchive: string };
    /** Peer manifests already loaded (the set compiled together), besides `peerManifests`. */
    peers?: readonly Manifest[];
  } = {},
): PreparedDeployment {
  const manifestSource =
    typeof source.manifest === "string" ? source.manifest : `${argName}.manifest`;
  const manifest =
    typeof source.manifest === "string"
      ? loadManifestFile(source.manifest)
      : normaliseManifest(source.manifest, manifestSource);
  const chosenConfig = chooseRunConfig(source.runConfig, manifest, manifestSource, {
    argument: `${argName}.runConfig`,
    hint: `pass ${options.runConfigOption ?? `${argName}.runConfig`}`,
  });
  const configSource = chosenConfig.source;
  const loaded = chosenConfig.config;
  const chosen: RunConfig = {
    ...loaded,
    env: source.env ?? loaded.env,
    spark:
      source.artifactsPath === undefined
        ? loaded.spark
        : { ...loaded.spark, artifactsPath: source.artifactsPath },
  };
  const config = options.adjustConfig ? options.adjustConfig(chosen, manifest) : chosen;
  const explicitEnv = options.envLabel ?? { source: argName, path: "env" };
  const envWhere = source.env === undefined ? "run_config.env" : explicitEnv.path;
  const envSource = source.env === undefined ? configSource : explicitEnv.source;
  checkEnvMatchesManifest(manifest, config.env, manifestSource, envSource, envWhere);
  const artifactsWhere =
    source.artifactsPath === undefined
      ? "run_config.spark.artifacts_path"
      : `${argName}.artifactsPath`;
  const artifacts =
    config.spark.artifactsPath === null
      ? null
      : parseGcsPath(config.spark.artifactsPath, configSource, artifactsWhere);

  const plan = planPipeline(manifest, config, { manifest: manifestSource });
  const sparkType = config.spark.type;
  const hasSpark = plan.groups.some((g) => g.kind === "spark");

  let factory: SparkOperatorFactory | null = null;
  if (sparkType === "custom") {
    if (source.operatorFactory !== undefined) {
      factory = checkFactory(source.operatorFactory, `${argName}.operatorFactory`, "the factory");
    } else if (config.spark.operatorFactory !== null) {
      if (typeof source.runConfig !== "string") {
        throw new InputError(
          configSource,
          "run_config.spark.operator_factory",
          `a module path needs a run config file to resolve from; pass ${argName}.operatorFactory (or the run config file) instead`,
        );
      }
      factory = loadFactory(config.spark.operatorFactory, source.runConfig);
    }
  }

  // Dataproc (and a custom backend with an init script) install the project from an archive.
  let archive: PreparedDeployment["archive"] = null;
  const packaged =
    hasSpark &&
    config.packaging === "kedro-package" &&
    (sparkType === "dataproc" || sparkType === "dataproc-serverless" || sparkType === "custom");
  const packageFiles: PackageFile[] = [];
  let packagedNames: { wheel: string; conf: string; wheelZip: string } | null = null;
  if (packaged) {
    const pkg = manifest.project.package ?? manifest.project.name;
    const labels = options.packageLabels ?? {
      wheel: `${argName}.wheel`,
      confArchive: `${argName}.confArchive`,
    };
    if (
      source.projectDir === undefined &&
      (source.wheel === undefined || source.confArchive === undefined)
    ) {
      throw new InputError(
        argName,
        "projectDir",
        `is required for run_config.packaging kedro-package (the wheel and conf tarball are read from its dist/), or pass both ${labels.wheel} and ${labels.confArchive}`,
      );
    }
    const built = readKedroPackage(source.projectDir ?? null, pkg, {
      ...(source.wheel !== undefined ? { wheel: source.wheel } : {}),
      ...(source.confArchive !== undefined ? { confArchive: source.confArchive } : {}),
      labels,
    });
    const env = config.env;
    if (env !== null && !built.conf.entries.some((p) => p.startsWith(`conf/${env}/`))) {
      const why =
        env === "local"
          ? "conf/local is developer-local configuration and is never deployed; deploy another env"
          : `${built.confFile} has no file of conf/${env} that is deployed`;
      throw new InputError(
        envSource,
        envWhere,
        `env ${JSON.stringify(env)} is not in the conf tarball (${why})`,
      );
    }
    if (sparkType === "dataproc-serverless" && !built.pure) {
      throw new InputError(
        built.wheelFile,
        labels.wheel,
        "is not a pure-Python wheel (none-any): Serverless imports the wheel from a zip, which cannot load native code; install the project in the container image and use packaging: archive",
      );
    }
    packageFiles.push(built.wheel, built.conf);
    if (sparkType === "dataproc-serverless") packageFiles.push(built.wheelZip);
    packagedNames = {
      wheel: built.wheel.name,
      conf: built.conf.name,
      wheelZip: built.wheelZip.name,
    };
  }
  if (!packaged && hasSpark && (sparkType === "dataproc" || sparkType === "custom")) {
    if (source.projectDir === undefined) {
      if (sparkType === "dataproc") {
        throw new InputError(
          argName,
          "projectDir",
          "is required for spark.type dataproc: the Kedro project is archived and installed on the cluster",
        );
      }
    } else {
      const entries = projectEntries(source.projectDir);
      checkEnvShipped(config.env, entries, source.projectDir, envSource, envWhere);
      const bytes = buildArchive(entries);
      const pkg = manifest.project.package ?? "project";
      archive = { name: `${pkg}-${contentHash(bytes)}.tar.gz`, bytes };
    }
  }

  if (archive === null && source.projectDir !== undefined && config.env !== null) {
    // Pods and Spark images are built from the project: its conf/<env> must exist there.
    const conf = path.join(source.projectDir, "conf", config.env);
    if (!fs.existsSync(conf)) {
      throw new InputError(
        envSource,
        envWhere,
        `env ${JSON.stringify(config.env)} has no folder ${conf}; the image must hold conf/${config.env} for kedro run --env ${config.env}`,
      );
    }
  }

  if (config.env === null && (archive !== null || packageFiles.length > 0)) {
    // Kedro's default run env is `local` unless settings.py says otherwise, and conf/local is
    // never deployed: on Kedro 1.x the session then fails (MissingConfigException).
    plan.warnings.push(
      `${configSource}: run_config.env: not set, so the Spark tasks run in Kedro's default env (local unless settings.py changes it), which is never deployed; set run_config.env to the env the manifest was exported in`,
    );
  }

  const projectDir =
    source.projectDir ??
    options.projectDirForScripts ??
    (typeof source.runConfig === "string"
      ? path.resolve(path.dirname(source.runConfig), "..", "..")
      : null);
  const compiled = compileProject({
    manifest,
    plan,
    config,
    manifestSource,
    configSource,
    factory,
    projectDir,
    ...(archive ? { archiveName: archive.name } : {}),
    packaged: packagedNames,
    peers: [
      ...(options.peers ?? []),
      ...(source.peerManifests ?? []).flatMap((p) => loadManifestSet(p).map((m) => m.manifest)),
    ],
  });
  return {
    manifest,
    config,
    configOrigin: chosenConfig.origin,
    configSource,
    plan,
    compiled,
    artifacts,
    archive,
    packageFiles,
  };
}

/**
 * The manifest's catalog was resolved in the env it was exported with; the tasks must run in
 * that env, or detection and the local-path check judged another catalog than the one used.
 */
function checkEnvMatchesManifest(
  manifest: Manifest,
  env: string | null,
  manifestSource: string,
  envSource: string,
  envWhere: string,
): void {
  if (manifest.env === env) return;
  const shown = (e: string | null) =>
    e === null ? "no env (Kedro's default)" : `env ${JSON.stringify(e)}`;
  const fix =
    env === null
      ? `set run_config.env: ${manifest.env} (or pass --env ${manifest.env})`
      : `re-export it with --env ${env}`;
  throw new InputError(
    envSource,
    envWhere,
    `the tasks would run with ${shown(env)}, but ${manifestSource} was exported with ${shown(manifest.env)}; ${fix}`,
  );
}

/** The archive is all a Dataproc cluster has of the project: it must carry conf/<env>. */
function checkEnvShipped(
  env: string | null,
  entries: readonly ArchiveEntry[],
  projectDir: string,
  envSource: string,
  envWhere: string,
): void {
  if (env === null) return;
  const prefix = `conf/${env}/`;
  if (entries.some((e) => e.path.startsWith(prefix))) return;
  const why =
    env === "local"
      ? "conf/local is developer-local configuration and is never archived; deploy another env"
      : `${path.join(projectDir, "conf", env)} has no file that is archived`;
  throw new InputError(
    envSource,
    envWhere,
    `env ${JSON.stringify(env)} is not in the project archive (${why})`,
  );
}
