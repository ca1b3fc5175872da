import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import type { RunConfig } from "../config/types";
import type { Manifest } from "../manifest/types";
import type { Plan } from "../planning/plan";
import { BACKENDS } from "./backends";
import { buildDagView, dagIdOf, type PodView, type TaskView } from "./dag";
import type { SparkOperatorFactory } from "./factory";
import { contentHash, slug } from "./names";
import { readStaticTemplate, renderTemplate } from "./templates";

export interface CompileInputs {
  manifest: Manifest;
  plan: Plan;
  config: RunConfig;
  manifestSource: string;
  configSource: string;
  /** The factory of `spark.type: custom`, already resolved. */
  factory: SparkOperatorFactory | null;
  /** The Kedro project folder: user_init_path and user_post_init_path are read below its src/. */
  projectDir: string | null;
  /** Object name of the project archive under artifacts_path (the component passes a hashed one). */
  archiveName?: string;
  /**
   * With `packaging: kedro-package`: object names (under artifacts_path) of the wheel, the conf
   * tarball and the wheel as a zip (Serverless); null or absent: the project archive.
   */
  packaged?: { wheel: string; conf: string; wheelZip: string } | null;
  /** The other pipelines' manifests deployed together with this one (their outputs become inlets). */
  peers?: readonly Manifest[];
}

/** One generated file, by its path in the output tree (`dags/...` or `artifacts/...`). */
export interface GeneratedFile {
  path: string;
  content: string;
}

export interface CompiledProject {
  dagId: string;
  /** The Airflow task id that runs each plan group, by group name. */
  taskIds: Record<string, string>;
  dag: GeneratedFile;
  /**
   * Files for artifacts_path, with the object name they are uploaded as. `required`: the DAG
   * reads it from there (run and init scripts); the Kubernetes runner is baked into the image.
   */
  artifacts: (GeneratedFile & { name: string; uri: string | null; required: boolean })[];
}

/** Where the project lives on a cluster unless PROJECT_HOME says otherwise. */
export function defaultProjectHome(manifest: Manifest): string {
  return `/opt/${manifest.project.package ?? slug(manifest.project.name, 60, "project")}`;
}

/**
 * Renders everything a plan needs: the DAG, and for Dataproc backends the init script and one
 * run script per Spark group. Pure apart from reading the user's init script parts; throws
 * InputError before producing anything when an input is wrong.
 */
export function compileProject(inputs: CompileInputs): CompiledProject {
  const { manifest, plan, config } = inputs;
  const spark = config.spark;
  const sparkGroups = plan.groups.filter((g) => g.kind === "spark");
  const artifacts: CompiledProject["artifacts"] = [];
  const base = spark.artifactsPath?.replace(/\/+$/, "") ?? null;
  const uriOf = (name: string) => (base === null ? null : `${base}/${name}`);
  const projectHome = defaultProjectHome(manifest);
  // What the backend needs rendered (backends/*.ts `artifacts`); nothing without Spark groups.
  const needs =
    sparkGroups.length > 0 && spark.type !== null ? BACKENDS[spark.type].artifacts : null;
  const packaged = inputs.packaged ?? null;
  const serverless = spark.type === "dataproc-serverless";
  // How a run script finds the conf of a packaged project: unpacked by the init script under
  // PROJECT_HOME (Dataproc), or the tarball Spark fetched from the batch's file_uris (Serverless).
  const runPackaged =
    packaged === null
      ? null
      : serverless
        ? { conf_from: "spark_files", conf_archive: path.posix.basename(packaged.conf) }
        : { conf_from: "project_home", conf_archive: null };

  const runScripts: Record<string, string> = {};
  if (needs?.runScripts) {
    for (const group of sparkGroups) {
      const content = renderTemplate("scripts/dataproc_main.py.hbs", {
        group: group.name,
        nodes: group.nodes,
        env: manifest.env,
        pipeline: manifest.pipeline,
        package: manifest.project.package ?? manifest.project.name,
        // A Serverless batch of a packaged project has no project folder: its working directory.
        projectHome: packaged !== null && serverless ? "." : projectHome,
        packaged: runPackaged,
      });
      const name = `${group.name}-${contentHash(content)}.py`;
      artifacts.push({
        path: `artifacts/${name}`,
        name,
        uri: uriOf(name),
        content,
        required: true,
      });
      runScripts[group.name] = uriOf(name) ?? name;
    }
  }

  let initScript: string | null = null;
  if (needs?.initScript) {
    const archiveName =
      inputs.archiveName ??
      `${manifest.project.package ?? slug(manifest.project.name, 60, "project")}.tar.gz`;
    const content = renderTemplate("scripts/init.sh.hbs", {
      projectHome,
      archiveUri: uriOf(archiveName) ?? archiveName,
      packaged:
        packaged === null
          ? null
          : {
              wheelUri: uriOf(packaged.wheel) ?? packaged.wheel,
              wheelFile: path.posix.basename(packaged.wheel),
              confUri: uriOf(packaged.conf) ?? packaged.conf,
            },
      userInit: readUserScript(inputs, "user_init_path", spark.userInitPath),
      userInitPath: spark.userInitPath,
      userPostInit: readUserScript(inputs, "user_post_init_path", spark.userPostInitPath),
      userPostInitPath: spark.userPostInitPath,
    });
    const name = `init-${contentHash(content)}.sh`;
    artifacts.push({ path: `artifacts/${name}`, name, uri: uriOf(name), content, required: true });
    initScript = uriOf(name) ?? name;
  }
  if (needs?.k8sRunner) {
    const content = readStaticTemplate("scripts/k8s_runner.py");
    artifacts.push({
      path: "artifacts/runner.py",
      name: "runner.py",
      uri: uriOf("runner.py"),
      content,
      required: false,
    });
  }

  const view = buildDagView({
    manifest,
    plan,
    config,
    manifestSource: inputs.manifestSource,
    configSource: inputs.configSource,
    factory: inputs.factory,
    ...(inputs.peers !== undefined ? { peers: inputs.peers } : {}),
    artifacts: {
      runScripts,
      initScript,
      ...(packaged !== null && needs?.batchFiles
        ? {
            pythonFiles: [uriOf(packaged.wheelZip) ?? packaged.wheelZip],
            files: [uriOf(packaged.conf) ?? packaged.conf],
          }
        : {}),
    },
  });
  const podSettings = podSettingsRenderer();
  const dagText = renderTemplate("dag.py.hbs", {
    ...view,
    tasks: view.tasks.map((task) => completeTask(task, podSettings)),
  });
  const dagId = dagIdOf(manifest, config);
  const compiled = {
    dagId,
    taskIds: {},
    dag: { path: `dags/${dagId}.py`, content: dagText },
    artifacts,
  };
  // Built when first read (compile --json, programs): a record keyed by every group name costs
  // 10-15 ms at 10,000 nodes, each name made a property key, and the CLI's compile never reads it.
  return Object.defineProperty(compiled, "taskIds", {
    enumerable: true,
    configurable: true,
    get(): Record<string, string> {
      const taskIds = Object.fromEntries(plan.groups.map((g) => [g.name, g.name]));
      Object.defineProperty(compiled, "taskIds", {
        value: taskIds,
        enumerable: true,
        writable: true,
      });
      return taskIds;
    },
  });
}

/** A pod's settings before and after its arguments, as the DAG writes them. */
interface PodSettingsText {
  head: string;
  tail: string;
}

/**
 * Renders a pod's settings (templates/pod-head.py.hbs, pod-tail.py.hbs), once per settings
 * key: the DAG's pods of one resources profile share every setting but their arguments, and
 * writing each pod's from its fields was a quarter of the DAG template's time.
 */
function podSettingsRenderer(): (pod: PodView) => PodSettingsText {
  const byKey = new Map<object, PodSettingsText>();
  const render = (pod: PodView): PodSettingsText => ({
    head: renderTemplate("pod-head.py.hbs", pod),
    tail: renderTemplate("pod-tail.py.hbs", pod),
  });
  return (pod) => {
    if (pod.settingsKey === undefined) return render(pod);
    let text = byKey.get(pod.settingsKey);
    if (text === undefined) {
      text = render(pod);
      byKey.set(pod.settingsKey, text);
    }
    return text;
  };
}

/** What the DAG template reads of a task: every key present (strict templates). */
type CompleteTask = Required<TaskView> & { podHead: string | null; podTail: string | null };

/**
 * Strict templates need every key present; absent parts of a task are null. Written key by
 * key (one object shape for every task) rather than as a spread over defaults.
 */
function completeTask(
  task: TaskView,
  podSettings: (pod: PodView) => PodSettingsText,
): CompleteTask {
  const settings = task.pod === undefined ? null : podSettings(task.pod);
  return {
    var: task.var,
    taskId: task.taskId,
    docMd: task.docMd,
    pod: task.pod ?? (null as never),
    operator: task.operator ?? (null as never),
    custom: task.custom ?? (null as never),
    kwargs: task.kwargs,
    taskGroup: task.taskGroup ?? (null as never),
    policy: task.policy ?? [],
    assets: task.assets ?? null,
    podHead: settings === null ? null : settings.head,
    podTail: settings === null ? null : settings.tail,
  };
}

/** Reads a user init script part, `src/<path>` inside the project. */
function readUserScript(
  inputs: CompileInputs,
  key: string,
  relative: string | null,
): string | null {
  if (relative === null) return null;
  const where = `run_config.spark.${key}`;
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes("..")) {
    throw new InputError(
      inputs.configSource,
      where,
      `expected a path inside the project's src folder, got ${JSON.stringify(relative)}`,
    );
  }
  if (inputs.projectDir === null) {
    throw new InputError(
      inputs.configSource,
      where,
      "needs the Kedro project folder (--project) to read the script from",
    );
  }
  const file = path.join(inputs.projectDir, "src", relative);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(
      inputs.configSource,
      where,
      `expected a readable file at ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  // The part is pasted into the script as it is, minus a shebang of its own.
  return text.replace(/^#!.*\n/, "").replace(/\s+$/, "");
}
