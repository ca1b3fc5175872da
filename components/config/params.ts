import { InputError } from "../common/errors";

/**
 * Runtime parameters (`run_config.params`): each is an Airflow param of the DAG and a Kedro
 * runtime param of every task. Only values that both Airflow's trigger form and Kedro's
 * `kedro run --params` carry unchanged are accepted, so that a pod and a Spark job of one run
 * always see the same values.
 */

export type ParamType = "string" | "integer" | "number" | "boolean";

export interface RuntimeParam {
  /** A Kedro parameter name; dots nest (`a.b` overrides `b` inside parameter `a`). */
  name: string;
  type: ParamType;
  /** The default; null for a macro param (Airflow renders `macro` instead). */
  default: string | number | boolean | null;
  /** An Airflow template variable (`ds`) rendered when a run gives no value; else null. */
  macro: string | null;
  description: string | null;
}

type Scalar = string | number | boolean;
export type RawParam = Scalar | { default: Scalar; type?: ParamType; description?: string };

/** One part of a name: what OmegaConf's dot-list keys (Kedro's `--params`) read as one key. */
const NAME_PART = "[A-Za-z_][A-Za-z0-9_-]*";
export const PARAM_NAME = new RegExp(`^${NAME_PART}(\\.${NAME_PART})*$`);

/** A whole macro: `{{ name }}`, one Airflow template variable, nothing else. */
const MACRO = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/**
 * Why Kedro cannot take this string back unchanged, or null when it can. Kedro's `--params`
 * (kedro/framework/cli/utils.py `_split_params`, the same in 0.19 and 1.x) splits on every
 * comma with no escape; each value is read as YAML by OmegaConf's dot-list, where line breaks
 * fold; and Kedro's OmegaConfigLoader resolves `${...}` in runtime params as interpolations.
 */
export function uncarriable(value: string): string | null {
  if (value.includes(",")) return "a comma (Kedro's --params splits on every comma)";
  if (value.includes("${")) return "${ (Kedro's config loader resolves it as an interpolation)";
  // C0 and C1 controls, and YAML's line breaks (NEL is C1; U+2028, U+2029).
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    return "a control character or line break (YAML reads line breaks as spaces)";
  }
  if (/[\ud800-\udfff]/u.test(value)) return "a lone surrogate (not text)";
  return null;
}

/**
 * The same rule as a JSON Schema pattern, read alike by Python's `re` (Airflow validates with
 * jsonschema) and JavaScript: one lookahead over the whole text, and no `$` anchor, which in
 * Python also matches before a final newline.
 */
export const CARRIABLE_PATTERN =
  "^(?![\\s\\S]*(?:\\$\\{|[,\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]))";

function typeOf(value: Scalar): ParamType {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  return Number.isInteger(value) ? "integer" : "number";
}

/** Validates `run_config.params` (already of the schema's shape) and the seed's macro_params. */
export function normaliseParams(
  raw: Record<string, RawParam> | undefined,
  macroParams: readonly string[] | undefined,
  source: string,
): RuntimeParam[] {
  const where = (name: string) => `run_config.params.${name}`;
  const out = new Map<string, RuntimeParam>();
  for (const [name, entry] of Object.entries(raw ?? {})) {
    if (!PARAM_NAME.test(name)) {
      throw new InputError(
        source,
        where(name),
        "is not a valid Kedro parameter name (expected parts of [A-Za-z_][A-Za-z0-9_-]* joined by dots)",
      );
    }
    const long = typeof entry === "object" ? entry : { default: entry };
    const value = long.default;
    const declared = long.type ?? typeOf(value);
    const path = typeof entry === "object" ? `${where(name)}.default` : where(name);
    let macro: string | null = null;
    if (typeof value === "string") {
      const m = MACRO.exec(value);
      if (m) macro = m[1]!;
      else if (/\{[{%#]/.test(value)) {
        throw new InputError(
          source,
          path,
          `expected a whole Airflow macro such as "{{ ds }}" (one template variable) or text without {{, {% or {#, got ${JSON.stringify(value)}`,
        );
      }
      const why = macro === null ? uncarriable(value) : null;
      if (why !== null) {
        throw new InputError(source, path, `cannot be passed to Kedro: it holds ${why}`);
      }
    } else if (typeof value === "number" && !Number.isFinite(value)) {
      throw new InputError(source, path, "expected a finite number");
    }
    const fits =
      macro !== null
        ? declared === "string"
        : declared === "number"
          ? typeof value === "number"
          : declared === typeOf(value);
    if (!fits) {
      throw new InputError(
        source,
        path,
        macro !== null
          ? `is an Airflow macro, which renders to a string: the param's type must be string, not ${declared}`
          : `expected a default of type ${declared}, got ${JSON.stringify(value)}`,
      );
    }
    out.set(name, {
      name,
      type: declared,
      default: macro === null ? value : null,
      macro,
      description: long.description ?? null,
    });
  }
  for (const name of macroParams ?? []) {
    if (out.has(name)) {
      throw new InputError(
        source,
        `run_config.macro_params`,
        `names ${JSON.stringify(name)}, which run_config.params also declares (declare it once)`,
      );
    }
    out.set(name, { name, type: "string", default: null, macro: name, description: null });
  }
  const params = [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // `a` and `a.b` cannot both be set: Kedro would read `a` as a value and as a mapping.
  for (const p of params) {
    const inner = params.find((q) => q.name.startsWith(`${p.name}.`));
    if (inner) {
      throw new InputError(
        source,
        where(inner.name),
        `is inside param ${JSON.stringify(p.name)}, which is also declared (Kedro would read ${JSON.stringify(p.name)} as a value and as a mapping)`,
      );
    }
  }
  return params;
}
