import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import { writeOwnedTree } from "../common/owned-tree";
import { prepareDeployment } from "../resources/prepare";
import { UsageError, parseOptions, required, type Io } from "./io";

/**
 * `compile --manifest FILE [--config FILE] --out DIR [--project DIR] [--env E] [--json]`: writes exactly
 * what the Pulumi component would upload: `dags/<dag_id>.py` and `artifacts/<name>` (run and
 * init scripts, and the project archive when the backend installs the project on a cluster).
 */
export function runCompile(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, {
    manifest: { type: "string" },
    config: { type: "string" },
    out: { type: "string" },
    project: { type: "string" },
    env: { type: "string" },
    json: { type: "boolean" },
  });
  const manifestFile = required(opts.manifest as string | undefined, "--manifest");
  // Without --config, the manifest's runConfig (resolved by Kedro's config loader at export).
  const configFile = opts.config as string | undefined;
  const outDir = required(opts.out as string | undefined, "--out");
  // The run config lives in <project>/conf/<env>/, so the project is two folders up by default;
  // without one, the project is the manifest's folder (where `manifest --out` usually writes).
  const givenProject = opts.project as string | undefined;
  const projectDir =
    givenProject ??
    (configFile === undefined
      ? path.resolve(path.dirname(manifestFile))
      : path.resolve(path.dirname(configFile), "..", ".."));
  const isProject = fs.existsSync(path.join(projectDir, "pyproject.toml"));
  if (givenProject !== undefined && !isProject) checkProjectDir(givenProject);

  const env = opts.env as string | undefined;
  if (env !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(env)) {
    throw new UsageError(`--env expects a Kedro env name like prod, got ${JSON.stringify(env)}`);
  }
  const prepared = prepareDeployment(
    {
      manifest: manifestFile,
      ...(configFile !== undefined ? { runConfig: configFile } : {}),
      ...(isProject ? { projectDir } : {}),
      ...(env !== undefined ? { env } : {}),
    },
    "--project",
    {
      projectDirForScripts: projectDir,
      envLabel: { source: "command line", path: "--env" },
      runConfigOption: "--config FILE",
    },
  );
  const { compiled, archive } = prepared;
  const files: { path: string; content: string | Buffer }[] = [compiled.dag, ...compiled.artifacts];
  if (archive !== null) files.push({ path: `artifacts/${archive.name}`, content: archive.bytes });
  // The DAG goes in last, so that it never points at artifacts not yet in place.
  const written = writeOwnedTree(outDir, [...files.slice(1), files[0]!], "--out");

  if (opts.json) {
    const uri = (name: string) =>
      prepared.artifacts === null
        ? null
        : `gs://${prepared.artifacts.bucket}/${prepared.artifacts.prefix}${name}`;
    const summary = {
      dagId: compiled.dagId,
      dag: path.join(outDir, compiled.dag.path),
      taskIds: compiled.taskIds,
      artifacts: [
        ...compiled.artifacts.map((a) => ({
          file: path.join(outDir, a.path),
          name: a.name,
          uri: a.uri,
        })),
        ...(archive
          ? [
              {
                file: path.join(outDir, "artifacts", archive.name),
                name: archive.name,
                uri: uri(archive.name),
              },
            ]
          : []),
      ],
    };
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    for (const file of files) io.stdout(`${path.join(outDir, file.path)}\n`);
  }
  for (const key of prepared.config.ignoredKeys) {
    io.stderr(
      `kedro-airflow-k8s: warning: ${prepared.configSource}: ${key}: seed plugin setting, accepted but not used\n`,
    );
  }
  for (const warning of prepared.plan.warnings)
    io.stderr(`kedro-airflow-k8s: warning: ${warning}\n`);
  for (const file of written.disowned) {
    io.stderr(
      `kedro-airflow-k8s: warning: ${path.join(outDir, file)}: written by an earlier compile and changed since, so it was left in place (and is no longer compile's)\n`,
    );
  }
  return 0;
}

/** An explicit --project that is no Kedro project is named as such (not as a missing option). */
function checkProjectDir(dir: string): never {
  let isDir: boolean;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(dir, "--project", `expected a Kedro project folder, found none (${code})`);
  }
  throw new InputError(
    dir,
    "--project",
    isDir
      ? "expected a Kedro project folder (with a pyproject.toml), found a folder without one"
      : "expected a Kedro project folder, found a file",
  );
}
