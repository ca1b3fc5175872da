import { CARRIABLE_PATTERN, type RuntimeParam } from "../config/params";
import type { PyValue } from "./literals";

/**
 * How runtime params reach the tasks. The DAG declares one Airflow `Param` per run_config
 * param; at run time Airflow renders a templated argument that calls a function of the DAG
 * file (`kak_kedro_params` for `kedro run --params`, `kak_params_json` for the Spark run
 * scripts) with the run's `params`. The functions turn values into text, so no value a run
 * supplies is ever read as a template: the only Jinja here is written by us, from names that
 * PARAM_NAME and the macro rule allow (letters, digits, `_`, `-`, `.`).
 */

/** One `Param(...)` of the DAG, as the template writes it. */
export interface ParamDecl {
  name: string;
  default: PyValue;
  /** JSON Schema type(s): a macro param is null (no value given: render the macro) or a string. */
  type: PyValue;
  /** For strings: what Kedro's --params can carry (the same rule as the compile-time check). */
  pattern: string | null;
  description: string | null;
}

export interface ParamsView {
  decls: ParamDecl[];
  /** name -> type, for the DAG's functions. */
  types: Record<string, string>;
  /** The JSON Schema pattern of a carriable string, compiled by the DAG's functions too. */
  pattern: string;
}

export function paramsView(params: readonly RuntimeParam[]): ParamsView | null {
  if (params.length === 0) return null;
  return {
    decls: params.map((p) => ({
      name: p.name,
      default: p.default,
      type: p.macro !== null ? ["null", "string"] : p.type,
      pattern: p.type === "string" ? CARRIABLE_PATTERN : null,
      description:
        p.macro !== null
          ? [p.description, `Default: the Airflow macro {{ ${p.macro} }} of the run.`]
              .filter((s) => s !== null)
              .join(" ")
          : p.description,
    })),
    types: Object.fromEntries(params.map((p) => [p.name, p.type])),
    pattern: CARRIABLE_PATTERN,
  };
}

/** The Jinja mapping of macro params to the template variables they default to. */
function macros(params: readonly RuntimeParam[]): string {
  const entries = params.filter((p) => p.macro !== null).map((p) => `"${p.name}": ${p.macro!}`);
  return `{${entries.join(", ")}}`;
}

/** Arguments of `kedro run` in a pod: `--params` in Kedro's syntax, rendered per run. */
export function kedroParamsArguments(params: readonly RuntimeParam[]): string[] {
  if (params.length === 0) return [];
  return ["--params", `{{ kak_kedro_params(params, ${macros(params)}) }}`];
}

/**
 * The run's params as one JSON argument of a Spark run script. `pod`: the argument is a
 * container argument, where the kubelet expands `$(VAR)`, so `$` is written `$$`.
 */
export function paramsJsonTemplate(params: readonly RuntimeParam[], pod: boolean): string | null {
  if (params.length === 0) return null;
  return `{{ kak_params_json(params, ${macros(params)}, ${pod ? "True" : "False"}) }}`;
}

export function paramsJsonArguments(params: readonly RuntimeParam[], pod: boolean): string[] {
  const template = paramsJsonTemplate(params, pod);
  return template === null ? [] : ["--params-json", template];
}
