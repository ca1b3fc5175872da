import * as fs from "node:fs";
import * as path from "node:path";
import type * as Yaml from "yaml";
import runConfigSchema from "../../docs/run-config.schema.json";
import { InputError } from "../common/errors";
import { assertValid, compileSchema } from "../common/schema";
import { parseClusterConfig } from "./cluster-config";
import { checkComposer, COMPOSER3_NAMESPACE, type ComposerVersion } from "./composer";
import { scheduleProblem, scheduleUriProblem, startDateProblem } from "./schedule";
import { normaliseParams, type RawParam } from "./params";
import { normalisePolicies, parseDuration, type RawDuration, type RawPolicy } from "./policies";
import {
  DEFAULT_START_DATE,
  type Quantities,
  type ResourceProfile,
  type RunConfig,
  type SparkBackend,
  type SparkConfig,
} from "./types";

const validateRunConfig = compileSchema("run-config", runConfigSchema);

/** Keys of the seed plugin's run_config that we accept (so old files load) but do not use. */
const SEED_ONLY_KEYS = [
  "startup_time",
  "volume",
  "variables_params",
  "external_dependencies",
  "authentication",
  "failure_handlers",
  "kubernetes_pod_templates",
] as const;

/** Reads a run config YAML file. Throws InputError naming the file and the key. */
export function loadRunConfigFile(file: string): RunConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(
      file,
      "(file)",
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  return parseRunConfigText(text, file);
}

/**
 * `yaml` is loaded with the first YAML text: `plan` without --config never needs it. A build
 * has the package bundled into one file (scripts/bundle.mjs): the same code, one module
 * to load instead of 72. From the sources (the tests) there is no bundle, and the package
 * itself is loaded.
 */
let yamlModule: typeof Yaml | undefined;
function yaml(): typeof Yaml {
  if (yamlModule === undefined) {
    const bundle = path.join(__dirname, "..", "..", "vendor", "yaml.js");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    yamlModule = require(fs.existsSync(bundle) ? bundle : "yaml") as typeof Yaml;
  }
  return yamlModule;
}

export function parseRunConfigText(text: string, source: string): RunConfig {
  const YAML = yaml();
  // `merge`: YAML 1.1's `<<` merge keys, which YAML 1.2 dropped but config files still use
  // (`<<: *defaults`). Explicit keys win over merged ones; a quoted "<<" is an ordinary key.
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: true, merge: true, lineCounter: lines });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0];
    const where = line ? `line ${line.line}, column ${line.col}` : "(top level)";
    // The library appends the position and a code frame; the position is already in `where`.
    const reason = problem.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new InputError(source, where, `expected YAML (${reason})`);
  }
  const misuse = aliasMisuse(doc);
  if (misuse !== null) {
    const { line, col } = lines.linePos(misuse.offset);
    throw new InputError(source, `line ${line}, column ${col}`, `expected YAML (${misuse.reason})`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. "Excessive alias count indicates a resource exhaustion attack"
    throw new InputError(source, "(top level)", `expected YAML (${(err as Error).message})`);
  }
  return normaliseRunConfig(data ?? {}, source);
}

/** The schema checked the shapes; Airflow would refuse these values only at import time. */
function checkSchedule(raw: RawRunConfig, source: string): void {
  const cron = raw.cron_expression;
  const cronProblem = typeof cron === "string" ? scheduleProblem(cron) : null;
  if (cronProblem !== null) throw new InputError(source, "run_config.cron_expression", cronProblem);
  raw.schedule?.assets.forEach((uri, i) => {
    const problem = scheduleUriProblem(uri);
    if (problem !== null) throw new InputError(source, `run_config.schedule.assets[${i}]`, problem);
  });
  if (raw.schedule !== undefined && typeof cron === "string") {
    throw new InputError(
      source,
      "run_config.cron_expression",
      "cannot be given with run_config.schedule (a DAG runs on a cron or on Asset updates); remove one, or set it to null",
    );
  }
  const start = raw.start_date;
  const startProblem = start === undefined ? null : startDateProblem(start);
  if (startProblem !== null) throw new InputError(source, "run_config.start_date", startProblem);
}

/**
 * Aliases the library only trips over while converting, with no position: one with no anchor
 * before it, one inside the node it names (a value that contains itself), and a merge key whose
 * value is not a map, an alias of one, or a list of those.
 */
function aliasMisuse(doc: Yaml.Document): { offset: number; reason: string } | null {
  const YAML = yaml();
  let found: { offset: number; reason: string } | null = null;
  const isMapLike = (node: unknown): boolean =>
    YAML.isMap(node) || (YAML.isAlias(node) && YAML.isMap(node.resolve(doc)));
  YAML.visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      const at = alias.range?.[0] ?? 0;
      if (target === undefined) {
        found = {
          offset: at,
          reason: `alias *${alias.source} has no anchor &${alias.source} before it`,
        };
      } else if (target.range && at >= target.range[0] && at < target.range[2]) {
        found = { offset: at, reason: `alias *${alias.source} is inside the node it refers to` };
      }
      return found === null ? undefined : YAML.visit.BREAK;
    },
    Pair(_, pair) {
      if (!YAML.isScalar(pair.key) || typeof pair.key.value !== "symbol") return undefined;
      const value = pair.value;
      const ok = isMapLike(value) || (YAML.isSeq(value) && value.items.every(isMapLike));
      if (ok) return undefined;
      found = {
        offset: pair.key.range?.[0] ?? 0,
        reason: "a << merge key takes a map, an alias of a map, or a list of those",
      };
      return YAML.visit.BREAK;
    },
  });
  return found;
}

/**
 * Validates a run config given as a plain value (parsed YAML, or an object from code, in the
 * same `{ run_config: {...} }` layout) and fills every default.
 */
export function normaliseRunConfig(data: unknown, source: string): RunConfig {
  assertValid(validateRunConfig, data, source);
  return fromValidDocument(data, source);
}

/**
 * The run config of an empty `run_config:` mapping, every key at its default. The schema
 * accepts that mapping (test/config.test.ts checks it), so this skips the validator: a CLI
 * call that brings no run config then never compiles it (about 100 KB of generated code, a
 * noticeable part of `plan`'s start-up).
 */
export function defaultRunConfig(): RunConfig {
  return fromValidDocument({ run_config: {} }, "defaults");
}

/** Fills the defaults of a document the schema has accepted, and runs the checks it cannot. */
function fromValidDocument(data: unknown, source: string): RunConfig {
  const raw = (data as { run_config?: RawRunConfig }).run_config ?? {};
  const spark = raw.spark ?? {};
  checkSchedule(raw, source);
  checkComposer(raw, source);
  const composerVersion = raw.composer_version ?? null;
  return {
    image: raw.image ?? null,
    imagePullPolicy: raw.image_pull_policy ?? "IfNotPresent",
    namespace: raw.namespace ?? (composerVersion === 3 ? COMPOSER3_NAMESPACE : null),
    composerVersion,
    experimentName: raw.experiment_name ?? null,
    runName: raw.run_name ?? raw.experiment_name ?? null,
    cronExpression:
      raw.schedule !== undefined
        ? null
        : raw.cron_expression === undefined
          ? "@daily"
          : raw.cron_expression,
    schedule:
      raw.schedule === undefined
        ? null
        : { uris: [...raw.schedule.assets], when: raw.schedule.when ?? "all" },
    assets: raw.assets ?? true,
    startDate: raw.start_date ?? DEFAULT_START_DATE,
    description: raw.description ?? null,
    serviceAccountName: raw.service_account_name ?? null,
    imagePullSecrets: pullSecrets(raw.image_pull_secrets),
    envVars: { ...(raw.env_vars ?? {}) },
    params: normaliseParams(raw.params, raw.macro_params, source),
    secrets: (raw.secrets ?? []).map((s) => ({
      deployType: s.deploy_type ?? "env",
      deployTarget: s.deploy_target ?? null,
      secret: s.secret,
      key: s.key ?? null,
    })),
    resources: Object.fromEntries(
      Object.entries(raw.resources ?? {}).map(([name, profile]) => [
        name,
        resourceProfile(profile),
      ]),
    ),
    policies: normalisePolicies(raw.policies, raw.startup_timeout, source),
    dagrunTimeout: parseDuration(raw.dagrun_timeout, source, "run_config.dagrun_timeout", true),
    env: raw.env ?? null,
    sharedFilesystems: [...(raw.shared_filesystems ?? [])],
    packaging: raw.packaging ?? "archive",
    groupSparkNodes: raw.group_spark_nodes ?? true,
    taskGroups: raw.task_groups ?? true,
    spark: sparkConfig(spark, source),
    ignoredKeys: SEED_ONLY_KEYS.filter((key) => raw[key] !== undefined).map(
      (key) => `run_config.${key}`,
    ),
  };
}

/** The seed wrote `image_pull_secrets` as one comma-separated string; lists are clearer. */
function pullSecrets(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = typeof value === "string" ? value.split(",") : value;
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

function quantities(q: RawQuantities | undefined): Quantities {
  return {
    cpu: q?.cpu === undefined ? null : String(q.cpu),
    memory: q?.memory ?? null,
  };
}

function resourceProfile(p: RawResourceProfile): ResourceProfile {
  return {
    requests: quantities(p.requests),
    limits: quantities(p.limits),
    nodeSelectors: { ...(p.node_selectors ?? {}) },
    labels: { ...(p.labels ?? {}) },
    annotations: { ...(p.annotations ?? {}) },
    tolerations: (p.tolerations ?? []).map((t) => ({
      key: t.key ?? null,
      operator: t.operator ?? null,
      value: t.value ?? null,
      effect: t.effect ?? null,
      tolerationSeconds: t.toleration_seconds ?? null,
    })),
  };
}

function sparkConfig(s: RawSpark, source: string): SparkConfig {
  // The seed accepted both spellings of the Kubernetes backend; one name is enough inside.
  const type: SparkBackend | null =
    s.type === undefined ? null : s.type === "k8s" ? "kubernetes" : s.type;
  return {
    ...parseClusterConfig(type, { ...(s.cluster_config ?? {}) }, source),
    projectId: s.project_id ?? null,
    region: s.region ?? null,
    clusterName: s.cluster_name ?? null,
    operatorFactory: s.operator_factory ?? null,
    artifactsPath: s.artifacts_path ?? null,
    userInitPath: s.user_init_path ?? null,
    userPostInitPath: s.user_post_init_path ?? null,
    datasetTypes: [...(s.dataset_types ?? [])],
  };
}

interface RawQuantities {
  cpu?: string | number;
  memory?: string;
}

interface RawResourceProfile {
  requests?: RawQuantities;
  limits?: RawQuantities;
  node_selectors?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  tolerations?: {
    key?: string;
    operator?: "Equal" | "Exists";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    toleration_seconds?: number;
  }[];
}

interface RawSpark {
  type?: SparkBackend | "k8s";
  project_id?: string;
  region?: string;
  cluster_name?: string;
  cluster_config?: Record<string, unknown>;
  operator_factory?: string;
  artifacts_path?: string;
  user_init_path?: string;
  user_post_init_path?: string;
  dataset_types?: string[];
}

type RawRunConfig = {
  composer_version?: ComposerVersion;
  image?: string;
  image_pull_policy?: "Always" | "IfNotPresent" | "Never";
  namespace?: string;
  experiment_name?: string;
  run_name?: string;
  cron_expression?: string | null;
  schedule?: { assets: string[]; when?: "all" | "any" };
  assets?: boolean;
  start_date?: string;
  description?: string | null;
  service_account_name?: string;
  image_pull_secrets?: string | string[];
  env_vars?: Record<string, string>;
  params?: Record<string, RawParam>;
  macro_params?: string[];
  secrets?: {
    deploy_type?: "env" | "volume";
    deploy_target?: string | null;
    secret: string;
    key?: string | null;
  }[];
  resources?: Record<string, RawResourceProfile>;
  group_spark_nodes?: boolean;
  task_groups?: boolean;
  packaging?: "archive" | "kedro-package";
  env?: string | null;
  shared_filesystems?: string[];
  spark?: RawSpark;
  policies?: Record<string, RawPolicy>;
  /** The seed's pod startup timeout in seconds (a duration string here too). */
  startup_timeout?: RawDuration;
  dagrun_timeout?: RawDuration;
} & Partial<Record<(typeof SEED_ONLY_KEYS)[number], unknown>>;
