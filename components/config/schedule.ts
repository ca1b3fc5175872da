/**
 * The schedule and start date of the DAG, checked before anything is rendered: Airflow only
 * refuses a bad `schedule` (croniter raises) or an impossible `pendulum.datetime(2025, 2, 30)`
 * when it imports the DAG, long after `compile` or `pulumi up` reported success.
 *
 * The cron rule is a deliberately narrow subset of what croniter 7 accepts (the parser behind
 * Airflow's `CronMixin.validate` in `airflow/timetables/_cron.py`, 2.11 and 3.x): five fields,
 * numbers, names, `*`, ranges, steps and lists, plus `?`, `L` (last day of the month) and `d#n`.
 * test/python/airflow/test_schedule_rule.py holds it to real croniter: whatever this accepts,
 * Airflow accepts.
 */

/** Airflow's `cron_presets` (airflow/utils/dates.py) and the two schedules that are not crons. */
export const SCHEDULE_PRESETS = [
  "@once",
  "@continuous",
  "@hourly",
  "@daily",
  "@weekly",
  "@monthly",
  "@quarterly",
  "@yearly",
] as const;

interface FieldRule {
  name: string;
  min: number;
  max: number;
  /** Lower-case three-letter names, the first standing for `min`. */
  names?: readonly string[];
  /** `?` (any) is allowed, as in croniter, in the two day fields only. */
  question?: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: readonly FieldRule[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, as in croniter and Vixie cron.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, question: true },
];

const EXPECTED =
  `five cron fields (minute hour day-of-month month day-of-week: numbers, names, *, ranges, ` +
  `steps, lists) or one of ${SCHEDULE_PRESETS.join(", ")}, or null for no schedule`;

/**
 * Why `cron` is not a schedule Airflow runs, or null when it is one. The reason names the
 * field and the part at fault.
 */
export function scheduleProblem(cron: string): string | null {
  if (cron.startsWith("@")) {
    return (SCHEDULE_PRESETS as readonly string[]).includes(cron)
      ? null
      : `expected ${EXPECTED}; "${cron}" is not an Airflow preset`;
  }
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `expected ${EXPECTED}; found ${fields.length} field${fields.length === 1 ? "" : "s"}`;
  }
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(fields[i]!, FIELDS[i]!);
    if (problem !== null) return `expected ${EXPECTED}; ${FIELDS[i]!.name} ${problem}`;
  }
  return neverFires(fields);
}

function fieldProblem(field: string, rule: FieldRule): string | null {
  // croniter: "Question mark can not used with other characters".
  if (field === "?" && rule.question) return null;
  // croniter refuses an nth weekday (`fri#2`) mixed with other weekdays.
  if (rule.name === "day of week" && field.includes("#")) {
    const match = /^([^#,]+)#([1-5])$/.exec(field);
    if (match === null) return `"${field}": day#n (n from 1 to 5) stands alone`;
    return valueProblem(match[1]!, rule) === null ? null : `"${field}" names no weekday`;
  }
  for (const item of field.split(",")) {
    const problem = itemProblem(item, rule);
    if (problem !== null) return problem;
  }
  return null;
}

function itemProblem(item: string, rule: FieldRule): string | null {
  if (item === "") return `"" is empty (two commas in a row?)`;
  if (item === "?" && rule.question) return `"?" stands alone or not at all`;
  if (item === "L" && rule.name === "day of month") return null;
  const slash = item.indexOf("/");
  const base = slash === -1 ? item : item.slice(0, slash);
  if (slash !== -1) {
    const step = item.slice(slash + 1);
    if (!/^[0-9]+$/.test(step) || Number(step) < 1) {
      return `"${item}" has step "${step}", expected a whole number from 1`;
    }
  }
  if (base === "*") return null;
  const dash = base.indexOf("-");
  if (dash === -1) {
    const problem = valueProblem(base, rule);
    return problem === null ? null : `"${item}": ${problem}`;
  }
  const low = base.slice(0, dash);
  const high = base.slice(dash + 1);
  const problem = valueProblem(low, rule) ?? valueProblem(high, rule);
  if (problem !== null) return `"${item}": ${problem}`;
  if (valueOf(low, rule) > valueOf(high, rule)) {
    return `"${item}" is a range from high to low, expected low-high`;
  }
  return null;
}

function valueOf(text: string, rule: FieldRule): number {
  const named = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  return named === -1 ? Number(text) : rule.min + named;
}

function valueProblem(text: string, rule: FieldRule): string | null {
  if (rule.names?.includes(text.toLowerCase())) return null;
  if (!/^[0-9]+$/.test(text)) {
    const names = rule.names ? ` or a name (${rule.names[0]}-${rule.names.at(-1)})` : "";
    return `"${text}" is not a number from ${rule.min} to ${rule.max}${names}`;
  }
  const value = Number(text);
  return value >= rule.min && value <= rule.max
    ? null
    : `${text} is out of range ${rule.min}-${rule.max}`;
}

/** Days each month can have (February in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `0 0 30 2 *` passes croniter's parser, but the DAG never runs. Checked when both fields
 * list plain numbers and the weekday field is `*` (croniter ORs a restricted weekday in).
 */
function neverFires(fields: string[]): string | null {
  const [, , dom, month, dow] = fields as [string, string, string, string, string];
  if (dow !== "*" && dow !== "?") return null;
  const plain = /^[0-9]+(,[0-9]+)*$/;
  if (!plain.test(dom) || !plain.test(month)) return null;
  const days = dom.split(",").map(Number);
  const months = month.split(",").map(Number);
  const fires = months.some((m) => days.some((d) => d <= MONTH_DAYS[m - 1]!));
  return fires ? null : `"${fields.join(" ")}" never fires: no listed month has that day`;
}

/** Why `yyyymmdd` (already YYYYMMDD-shaped) is not a calendar date, or null. */
export function startDateProblem(yyyymmdd: string): string | null {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  // A Date rolls 2025-02-30 over to March 2: a real date survives the round trip.
  // (setUTCFullYear, unlike Date.UTC, does not read years below 100 as 19xx.)
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const real =
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
  return real ? null : `expected a calendar date as YYYYMMDD; ${yyyymmdd} is not one`;
}

/** Airflow 3 refuses longer Asset names and URIs (`_validate_identifier`, airflow/sdk/definitions/asset). */
export const MAX_ASSET_URI = 1500;

/**
 * Why `uri` is not an Asset URI Airflow keeps as written, or null. Checks Airflow's own rules
 * (a scheme, not the reserved `airflow`, ASCII, at most 1500 characters, no user info or
 * fragment) and the google provider's (`gs://` has a bucket; `bigquery://project/dataset/table`,
 * airflow/providers/google/assets/bigquery.py), and that it is already in normal form.
 */
export function scheduleUriProblem(uri: string): string | null {
  const expected = "expected an Asset URI such as gs://bucket/path";
  if (!/^[\x21-\x7e]+$/.test(uri)) {
    return `${expected}; ${JSON.stringify(uri)} holds a space, a control or a non-ASCII character`;
  }
  if (uri.length > MAX_ASSET_URI)
    return `${expected}; it is longer than Airflow's ${MAX_ASSET_URI} characters`;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(uri);
  if (match === null) return `${expected}; ${JSON.stringify(uri)} has no scheme://`;
  const [, scheme, host, path, query, fragment] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const lower = scheme.toLowerCase();
  if (lower === "airflow") return `${expected}; the scheme airflow is reserved by Airflow`;
  // Airflow keeps a URI of an `x-` scheme exactly as written (private schemes).
  if (lower.startsWith("x-")) return null;
  if (host.includes("@")) {
    return `${expected}; ${JSON.stringify(uri)} holds user info, which Airflow drops`;
  }
  if (query !== undefined || fragment !== undefined) {
    return `${expected}; ${JSON.stringify(uri)} has a ?query or #fragment, which Airflow rewrites or drops`;
  }
  if (lower === "gs" && host === "") return `${expected}; gs:// must name a bucket`;
  if (lower === "bigquery" && (host === "" || path.split("/").length !== 3)) {
    return `expected bigquery://project/dataset/table; got ${JSON.stringify(uri)}`;
  }
  const normal = `${lower}://${host}${path.replace(/\/+$/, "") || "/"}`;
  if (normal !== uri) {
    return `${expected} in Airflow's normal form (lower-case scheme, no trailing slash); write ${JSON.stringify(normal)}`;
  }
  return null;
}
