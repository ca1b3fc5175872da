import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import { writeOwnedTree } from "../common/owned-tree";
import { loadManifestSet } from "../manifest/load";
import { prepareDeployment, type PreparedDeployment } from "../resources/prepare";
import { UsageError, isFolder, parseOptions, required, type Io } from "./io";

/**
 * `compile --manifest FILE [--config FILE] --out DIR [--project DIR] [--env E] [--peers PATH] [--json]`: writes exactly
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
    wheel: { type: "string" },
    "conf-archive": { type: "string" },
    peers: { type: "string" },
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
  // `--manifest DIR`: every pipeline's manifest in the folder, one DAG each, all in one --out.
  const several = isFolder(manifestFile);
  const set = several ? loadManifestSet(manifestFile) : null;
  const manifestFiles = set ? set.map((m) => m.file) : [manifestFile];
  // Assets: what the other pipelines of the folder (and --peers) write becomes inlets.
  const peers = [
    ...(set ?? []).map((m) => m.manifest),
    ...(opts.peers !== undefined
      ? loadManifestSet(opts.peers as string).map((m) => m.manifest)
      : []),
  ];
  const prepareds = manifestFiles.map((file) =>
    prepareDeployment(
      {
        manifest: file,
        ...(configFile !== undefined ? { runConfig: configFile } : {}),
        ...(isProject ? { projectDir } : {}),
        ...(env !== undefined ? { env } : {}),
        ...(opts.wheel !== undefined ? { wheel: opts.wheel as string } : {}),
        ...(opts["conf-archive"] !== undefined
          ? { confArchive: opts["conf-archive"] as string }
          : {}),
      },
      "--project",
      {
        projectDirForScripts: projectDir,
        envLabel: { source: "command line", path: "--env" },
        packageLabels: { wheel: "--wheel", confArchive: "--conf-archive" },
        runConfigOption: "--config FILE",
        peers,
      },
    ),
  );
  const dags = prepareds.map((p) => p.compiled.dag);
  const artifactFiles = mergeArtifacts(prepareds);
  const files: { path: string; content: string | Buffer }[] = [...dags, ...artifactFiles];
  // The DAGs go in last, so that none points at artifacts not yet in place.
  const written = writeOwnedTree(outDir, [...artifactFiles, ...dags], "--out");

  if (opts.json) {
    const summaries = prepareds.map((p) => compileSummary(p, outDir));
    io.stdout(`${JSON.stringify(several ? summaries : summaries[0], null, 2)}\n`);
  } else {
    for (const file of files) io.stdout(`${path.join(outDir, file.path)}\n`);
  }
  const warned = new Set<string>();
  for (const { config, configSource } of prepareds) {
    for (const key of config.ignoredKeys) {
      const line = `kedro-airflow-k8s: warning: ${configSource}: ${key}: seed plugin setting, accepted but not used\n`;
      if (!warned.has(line)) io.stderr(line);
      warned.add(line);
    }
  }
  for (const prepared of prepareds) {
    for (const warning of prepared.plan.warnings)
      io.stderr(`kedro-airflow-k8s: warning: ${warning}\n`);
  }
  for (const file of written.disowned) {
    io.stderr(
      `kedro-airflow-k8s: warning: ${path.join(outDir, file)}: written by an earlier compile and changed since, so it was left in place (and is no longer compile's)\n`,
    );
  }
  return 0;
}

/**
 * The artifacts of every pipeline, each path once. Artifact names carry a hash of their
 * content, so pipelines that share one (the init script, the project archive) share the same
 * bytes; two different contents under one name would be a bug, never silently kept.
 */
function mergeArtifacts(prepareds: readonly PreparedDeployment[]): OutputFile[] {
  const byPath = new Map<string, OutputFile>();
  for (const { compiled, archive, packageFiles } of prepareds) {
    const own: OutputFile[] = [...compiled.artifacts];
    for (const file of packageFiles)
      own.push({ path: `artifacts/${file.name}`, content: file.bytes });
    if (archive !== null) own.push({ path: `artifacts/${archive.name}`, content: archive.bytes });
    for (const file of own) {
      const seen = byPath.get(file.path);
      if (seen === undefined) byPath.set(file.path, file);
      else if (!Buffer.from(seen.content).equals(Buffer.from(file.content))) {
        throw new Error(`two pipelines render different ${file.path}`);
      }
    }
  }
  return [...byPath.values()];
}

type OutputFile = { path: string; content: string | Buffer };

/** What `compile --json` prints for one pipeline. */
function compileSummary(prepared: PreparedDeployment, outDir: string): object {
  const { compiled, archive } = prepared;
  const uri = (name: string) =>
    prepared.artifacts === null
      ? null
      : `gs://${prepared.artifacts.bucket}/${prepared.artifacts.prefix}${name}`;
  return {
    dagId: compiled.dagId,
    dag: path.join(outDir, compiled.dag.path),
    taskIds: compiled.taskIds,
    artifacts: [
      ...compiled.artifacts.map((a) => ({
        file: path.join(outDir, a.path),
        name: a.name,
        uri: a.uri,
      })),
      ...prepared.packageFiles.map((f) => ({
        file: path.join(outDir, "artifacts", f.name),
        name: f.name,
        uri: uri(f.name),
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
