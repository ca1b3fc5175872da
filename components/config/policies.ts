/**
 * Task policies of the run config: `run_config.policies.<name>` profiles (retries, delays,
 * timeouts, pool, priority) that nodes pick with `policies.<name>` tags, `__default__` for the
 * DAG's defaults, and `run_config.dagrun_timeout`. The schema (docs/run-config.schema.json)
 * checked the shapes; this turns durations into seconds and refuses the values Airflow would
 * refuse or that make no sense (a zero timeout).
 */

import { InputError } from "../common/errors";

/** One profile, normalised: durations in whole seconds; null where the profile says nothing. */
export interface TaskPolicy {
  retries: number | null;
  retryDelay: number | null;
  executionTimeout: number | null;
  pool: string | null;
  priorityWeight: number | null;
  /** Pods only (KubernetesPodOperator's startup_timeout_seconds). */
  startupTimeout: number | null;
}

export const DEFAULT_POLICY = "__default__";

/** A duration as users write it: whole seconds, or a string of d/h/m/s parts in that order. */
export type RawDuration = number | string;

export interface RawPolicy {
  retries?: number;
  retry_delay?: RawDuration;
  execution_timeout?: RawDuration;
  pool?: string;
  priority_weight?: number;
  startup_timeout?: RawDuration;
}

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

export const DURATION_EXPECTED =
  "a duration: whole seconds as an integer, or a string of days, hours, minutes and seconds in that order such as 90s, 30m, 1h30m or 2d";

/**
 * Seconds in a duration, or null when `value` is not one. The schema's pattern already holds
 * strings to `1d2h3m4s` (each part optional, in that order); numbers to integers >= 0.
 */
export function durationSeconds(value: RawDuration): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : null;
  const match = /^(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/.exec(value);
  if (match === null || value === "") return null;
  let total = 0;
  ["d", "h", "m", "s"].forEach((unit, i) => {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * UNIT_SECONDS[unit]!;
  });
  return Number.isSafeInteger(total) ? total : null;
}

/** Checks one duration field: `positive` for timeouts (a zero timeout kills the task at once). */
export function parseDuration(
  value: RawDuration | undefined,
  source: string,
  path: string,
  positive: boolean,
): number | null {
  if (value === undefined) return null;
  const seconds = durationSeconds(value);
  if (seconds === null) {
    throw new InputError(
      source,
      path,
      `expected ${DURATION_EXPECTED}, got ${JSON.stringify(value)}`,
    );
  }
  if (positive && seconds === 0) {
    throw new InputError(
      source,
      path,
      `expected a duration longer than zero, got ${JSON.stringify(value)}`,
    );
  }
  return seconds;
}

function policyOf(raw: RawPolicy, source: string, path: string): TaskPolicy {
  return {
    retries: raw.retries ?? null,
    retryDelay: parseDuration(raw.retry_delay, source, `${path}.retry_delay`, false),
    executionTimeout: parseDuration(
      raw.execution_timeout,
      source,
      `${path}.execution_timeout`,
      true,
    ),
    pool: raw.pool ?? null,
    priorityWeight: raw.priority_weight ?? null,
    startupTimeout: parseDuration(raw.startup_timeout, source, `${path}.startup_timeout`, true),
  };
}

/**
 * The profiles by name. The seed's top-level `startup_timeout` (seconds) is the default
 * profile's startup_timeout; giving both is ambiguous and refused.
 */
export function normalisePolicies(
  raw: Record<string, RawPolicy> | undefined,
  seedStartupTimeout: RawDuration | undefined,
  source: string,
): Record<string, TaskPolicy> {
  const out: Record<string, TaskPolicy> = {};
  for (const name of Object.keys(raw ?? {}).sort()) {
    out[name] = policyOf(raw![name]!, source, `run_config.policies.${name}`);
  }
  if (seedStartupTimeout !== undefined) {
    const seconds = parseDuration(seedStartupTimeout, source, "run_config.startup_timeout", true);
    const defaults = out[DEFAULT_POLICY];
    if (defaults?.startupTimeout != null) {
      throw new InputError(
        source,
        "run_config.startup_timeout",
        `is set and so is run_config.policies.${DEFAULT_POLICY}.startup_timeout (expected one of the two)`,
      );
    }
    out[DEFAULT_POLICY] = { ...(defaults ?? emptyPolicy()), startupTimeout: seconds };
  }
  return out;
}

export function emptyPolicy(): TaskPolicy {
  return {
    retries: null,
    retryDelay: null,
    executionTimeout: null,
    pool: null,
    priorityWeight: null,
    startupTimeout: null,
  };
}
