import * as fs from "node:fs";
import * as path from "node:path";
import type { ErrorObject, Options, ValidateFunction } from "ajv";
import { InputError, describeType, formatPath } from "./errors";

/**
 * Validates documents against the JSON Schemas kept in docs/ (the same files users read),
 * and turns the first violation into an InputError naming the path and the expectation.
 *
 * Compiling a schema with Ajv costs a noticeable part of a CLI call's start-up, so `npm run
 * build` generates standalone validators (`dist/components/common/validators/<name>.js`, by
 * schema-build.ts) with these same options. A validator is used only if it was generated from
 * this exact schema (its digest); otherwise (from the sources, as in the tests) Ajv compiles
 * the schema on first use. Either way the schema is compiled only when a document of its kind
 * is first validated.
 */
export const AJV_OPTIONS: Options = {
  allErrors: false,
  verbose: true,
  strict: true,
  allowUnionTypes: true,
};

/**
 * The options a schema is compiled with. Ajv counts a string's length in code points (its
 * `unicode` option), a loop per string checked. Where a schema's only length bound is
 * `minLength: 1` (not empty), UTF-16 units give the same answer without the loop: the manifest
 * checks 40,000 names that way at 10,000 nodes. A schema with any other bound keeps code points.
 */
export function ajvOptionsFor(schema: object): Options {
  return { ...AJV_OPTIONS, unicode: !onlyNonEmptyBounds(schema), logger: AJV_LOGGER };
}

/**
 * Ajv 8 marks `unicode` deprecated (its default is the safe one) but still honours it
 * (ajv/lib/vocabularies/validation/limitLength.ts): its console, without that one notice.
 */
const AJV_LOGGER = {
  log: (...args: unknown[]) => console.log(...args),
  warn: (...args: unknown[]) => {
    if (!String(args[0]).startsWith("DEPRECATED: option unicode.")) console.warn(...args);
  },
  error: (...args: unknown[]) => console.error(...args),
};

function onlyNonEmptyBounds(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(onlyNonEmptyBounds);
  const record = value as Record<string, unknown>;
  if ("maxLength" in record) return false;
  if ("minLength" in record && record["minLength"] !== 0 && record["minLength"] !== 1) return false;
  return Object.values(record).every(onlyNonEmptyBounds);
}

/** A validator that is found or compiled on first use. */
export type Validator = () => ValidateFunction;

export function compileSchema(name: string, schema: object): Validator {
  let validate: ValidateFunction | undefined;
  return () => (validate ??= generatedValidator(name, schema) ?? runtimeCompile(schema));
}

/**
 * A fingerprint of the schema's JSON text, recorded in each generated validator to tell a
 * stale build. Not SHA-256: loading node:crypto would cost `plan` a noticeable part of its
 * start-up, and this only has to notice an edit, not resist one. Two 32-bit FNV-1a hashes
 * with different offsets, and the length.
 */
export function schemaDigest(schema: object): string {
  const text = JSON.stringify(schema);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x0100019d) >>> 0;
  }
  const hex = (x: number) => x.toString(16).padStart(8, "0");
  return `${hex(a)}${hex(b)}-${text.length}`;
}

export function generatedValidatorFile(name: string, dir = __dirname): string {
  return path.join(dir, "validators", `${name}.js`);
}

function generatedValidator(name: string, schema: object): ValidateFunction | undefined {
  const file = generatedValidatorFile(name);
  if (!fs.existsSync(file)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { default: ValidateFunction; schemaDigest?: string };
  return mod.schemaDigest === schemaDigest(schema) ? mod.default : undefined;
}

/** One Ajv per set of options (the `unicode` choice), made on first use. */
const ajvs = new Map<boolean, import("ajv").default>();
function runtimeCompile(schema: object): ValidateFunction {
  const options = ajvOptionsFor(schema);
  let ajv = ajvs.get(options.unicode!);
  if (ajv === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ajv = new (require("ajv") as typeof import("ajv")).default(options);
    ajvs.set(options.unicode!, ajv);
  }
  return ajv.compile(schema);
}

export function assertValid(
  validator: Validator,
  data: unknown,
  source: string,
  rootPath: readonly (string | number)[] = [],
): void {
  const validate = validator();
  if (validate(data)) return;
  const error = validate.errors?.[0];
  if (!error) throw new InputError(source, formatPath(rootPath), "is not valid");
  const { path, detail } = explain(error, data);
  throw new InputError(source, formatPath([...rootPath, ...path]), detail);
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, segments: readonly (string | number)[]): unknown {
  let current: unknown = data;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
  null: "null",
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(" or ");
}

function explain(error: ErrorObject, data: unknown): { path: (string | number)[]; detail: string } {
  const path = pointerSegments(error.instancePath);
  const found = valueAt(data, path);
  const parent = (error.parentSchema ?? {}) as { description?: string; properties?: object };
  const expectation = parent.description;
  if (error.propertyName !== undefined) {
    // A propertyNames violation: name the offending key itself.
    return {
      path: [...path, error.propertyName],
      detail: `is not a valid key (expected ${expectation ?? "a valid key"})`,
    };
  }
  switch (error.keyword) {
    case "required": {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const sub = (parent.properties as Record<string, { description?: string; type?: unknown }>)?.[
        missing
      ];
      const what = sub?.description ?? (sub?.type ? typeWords(sub.type) : "a value");
      return { path: [...path, missing], detail: `is required (expected ${what})` };
    }
    case "type": {
      const types = typeWords((error.params as { type: unknown }).type);
      const what = expectation ? `${expectation} (${types})` : types;
      return { path, detail: `expected ${what}, got ${describeType(found)}` };
    }
    case "additionalProperties": {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(parent.properties ?? {}).join(", ");
      return { path: [...path, extra], detail: `unknown key (expected one of: ${known})` };
    }
    case "enum": {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return {
        path,
        detail: `expected one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(found)}`,
      };
    }
    case "const":
      return {
        path,
        detail: `expected ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}, got ${JSON.stringify(found)}`,
      };
    case "minLength":
      return {
        path,
        detail: `expected ${expectation ?? "a non-empty string"}, got an empty string`,
      };
    case "pattern":
    case "format":
      return {
        path,
        detail: `expected ${expectation ?? `a string matching ${String((error.params as { pattern?: string }).pattern)}`}, got ${JSON.stringify(found)}`,
      };
    case "propertyNames":
      return { path, detail: `has an invalid key (expected ${expectation ?? "valid keys"})` };
    default:
      return { path, detail: `expected ${expectation ?? error.message ?? "a valid value"}` };
  }
}
