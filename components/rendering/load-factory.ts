import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../common/errors";
import type { SparkOperatorFactory } from "./factory";

const METHODS = [
  "createClusterOperator",
  "deleteClusterOperator",
  "submitOperator",
  "importsStatement",
] as const;

/**
 * Resolves `operator_factory: ./factories/mine.js#MyFactory` from the config file's folder.
 * The export may be a class (constructed with no arguments) or an object; it must have the
 * four methods of SparkOperatorFactoryBase.
 */
export function loadFactory(spec: string, configFile: string): SparkOperatorFactory {
  const where = "run_config.spark.operator_factory";
  const hash = spec.lastIndexOf("#");
  const modulePart = hash === -1 ? spec : spec.slice(0, hash);
  const exportName = hash === -1 ? "default" : spec.slice(hash + 1);
  if (modulePart === "" || exportName === "") {
    throw new InputError(
      configFile,
      where,
      `expected MODULE#EXPORT such as ./factories/mine.js#MyFactory, got ${JSON.stringify(spec)}`,
    );
  }
  const file = path.resolve(path.dirname(configFile), modulePart);
  if (!fs.existsSync(file)) {
    throw new InputError(configFile, where, `expected a JavaScript module at ${file}, found none`);
  }
  let mod: Record<string, unknown>;
  try {
    // The factory is user code named in YAML, so it is loaded at run time by path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(
      configFile,
      where,
      `loading ${file} failed: ${String((err as Error).message).split("\n")[0]}`,
    );
  }
  const exported = exportName === "default" ? (mod["default"] ?? mod) : mod[exportName];
  if (exported === undefined || exported === null) {
    throw new InputError(configFile, where, `${file} has no export ${JSON.stringify(exportName)}`);
  }
  let factory: unknown = exported;
  if (typeof exported === "function") {
    try {
      factory = new (exported as new () => unknown)();
    } catch (err) {
      throw new InputError(
        configFile,
        where,
        `constructing ${exportName} failed: ${String((err as Error).message).split("\n")[0]}`,
      );
    }
  }
  return checkFactory(factory, configFile, `${exportName} from ${file}`);
}

/** Checks that a factory (from YAML or passed from code) has the four methods. */
export function checkFactory(factory: unknown, source: string, what: string): SparkOperatorFactory {
  const missing = METHODS.filter(
    (m) => typeof (factory as Record<string, unknown> | null)?.[m] !== "function",
  );
  if (missing.length > 0) {
    throw new InputError(
      source,
      "run_config.spark.operator_factory",
      `${what} lacks the method(s) ${missing.join(", ")} of SparkOperatorFactoryBase`,
    );
  }
  return factory as SparkOperatorFactory;
}
