import { InputError } from "../common/errors";
import type { Manifest } from "../manifest/types";
import { defaultRunConfig, loadRunConfigFile, normaliseRunConfig } from "./load";
import type { RunConfig } from "./types";

/** Where the run config in use came from: said in `plan`'s output and in error messages. */
export type RunConfigOrigin =
  | { kind: "file"; file: string }
  | { kind: "object"; argument: string }
  /** The manifest's `runConfig`, resolved by Kedro's config loader in `env` at export time. */
  | { kind: "manifest"; manifest: string; env: string | null }
  /** Neither: every default (only `plan` accepts this). */
  | { kind: "defaults" };

export interface ChosenRunConfig {
  config: RunConfig;
  /** Names the run config in error messages (a file, an argument, or the manifest's key). */
  source: string;
  origin: RunConfigOrigin;
}

/**
 * The run config a deployment uses: an explicit one (a file or an object) wins; else the
 * manifest's `runConfig`, which the exporter resolved through the project's own Kedro config
 * loader; else, when `allowDefaults`, every default (a plan needs only grouping settings).
 * Without either and without `allowDefaults`, an InputError names the manifest's `runConfig`.
 */
export function chooseRunConfig(
  explicit: string | object | undefined,
  manifest: Manifest,
  manifestSource: string,
  options: {
    /** How an explicit object is named (`args.runConfig`). */
    argument?: string;
    /** How to give a run config (`pass --config FILE`), for the error when there is none. */
    hint: string;
    allowDefaults?: boolean;
  },
): ChosenRunConfig {
  if (typeof explicit === "string") {
    return {
      config: loadRunConfigFile(explicit),
      source: explicit,
      origin: { kind: "file", file: explicit },
    };
  }
  if (explicit !== undefined && explicit !== null) {
    const argument = options.argument ?? "runConfig";
    return {
      config: normaliseRunConfig(explicit, argument),
      source: argument,
      origin: { kind: "object", argument },
    };
  }
  if (manifest.runConfig !== null) {
    const source = `${manifestSource} (runConfig)`;
    const config = normaliseRunConfig({ run_config: manifest.runConfig }, source);
    // The run config was resolved in the manifest's env: the tasks run there unless it says
    // otherwise (a mismatch is still refused where the env is checked).
    const env = "env" in manifest.runConfig ? config.env : manifest.env;
    return {
      config: { ...config, env },
      source,
      origin: { kind: "manifest", manifest: manifestSource, env: manifest.env },
    };
  }
  if (options.allowDefaults) {
    return {
      config: defaultRunConfig(),
      source: "defaults",
      origin: { kind: "defaults" },
    };
  }
  throw new InputError(
    manifestSource,
    "runConfig",
    `is absent (no airflow-k8s* file in its Kedro env at export time) and no run config was given; ${options.hint}`,
  );
}

/** One line for `plan`'s text output: which run config the plan used. */
export function describeRunConfigOrigin(origin: RunConfigOrigin): string {
  switch (origin.kind) {
    case "file":
      return `run config: ${origin.file}`;
    case "object":
      return `run config: ${origin.argument}`;
    case "manifest":
      return `run config: ${origin.manifest} (runConfig, exported in ${origin.env === null ? "Kedro's default env" : `env ${origin.env}`})`;
    case "defaults":
      return "run config: none (defaults: grouping on, no extra Spark dataset types)";
  }
}
