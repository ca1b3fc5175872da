import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { parseRunConfigText } from "../components/config/load";
import { durationSeconds, emptyPolicy, type TaskPolicy } from "../components/config/policies";
import type { RunConfig } from "../components/config/types";
import type { Manifest } from "../components/manifest/types";
import {
  defaultArgs,
  groupPolicies,
  groupPolicy,
  nodePolicy,
  policyTags,
  taskKwargs,
} from "../components/rendering/policies";
import { cli } from "./helpers/cli";

const FIX = path.join(__dirname, "fixtures", "compile");

const configWith = (yaml: string): RunConfig =>
  parseRunConfigText(`run_config:\n${yaml}`, "c.yaml");

describe("durations", () => {
  it.each<[number | string, number | null]>([
    [0, 0],
    [90, 90],
    ["90s", 90],
    ["30m", 1800],
    ["1h30m", 5400],
    ["2d", 172800],
    ["1d2h3m4s", 93784],
    ["0s", 0],
    ["", null],
    ["1h 30m", null],
    ["30m1h", null],
    ["1.5h", null],
    ["h", null],
    [1.5, null],
    [-1, null],
  ])("%j is %j seconds", (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it("reads any d/h/m/s string as the sum of its parts, and whole seconds as themselves", () => {
    const part = fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined });
    fc.assert(
      fc.property(part, part, part, part, (d, h, m, s) => {
        const text = [
          [d, "d"],
          [h, "h"],
          [m, "m"],
          [s, "s"],
        ]
          .filter(([v]) => v !== undefined)
          .map(([v, u]) => `${v}${u}`)
          .join("");
        const want = (d ?? 0) * 86400 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
        expect(durationSeconds(text)).toBe(text === "" ? null : want);
        expect(durationSeconds(want)).toBe(want);
      }),
    );
  });
});

describe("run config: policies", () => {
  it("normalises profiles to seconds, and the seed's startup_timeout to the default profile", () => {
    const c = configWith(
      "  startup_timeout: 600\n  dagrun_timeout: 6h\n  policies:\n    __default__: {retries: 2, retry_delay: 5m}\n    heavy: {execution_timeout: 2h, pool: big, priority_weight: -3, startup_timeout: 90}\n",
    );
    expect(c.dagrunTimeout).toBe(21600);
    expect(c.ignoredKeys).toEqual([]);
    expect(c.policies).toEqual({
      __default__: { ...emptyPolicy(), retries: 2, retryDelay: 300, startupTimeout: 600 },
      heavy: {
        ...emptyPolicy(),
        executionTimeout: 7200,
        pool: "big",
        priorityWeight: -3,
        startupTimeout: 90,
      },
    });
  });

  it("has no policies and no dagrun_timeout by default", () => {
    const c = configWith("  image: i\n");
    expect(c.policies).toEqual({});
    expect(c.dagrunTimeout).toBeNull();
    expect(defaultArgs(c)).toEqual([]);
  });

  it("reads both tag spellings, Kedro 1.x's and the seed's", () => {
    expect(policyTags(["policies.b", "policies:a", "resources.big", "policies.b", "x"])).toEqual([
      "a",
      "b",
    ]);
  });
});

/** An independent statement of the rule (docs/policies.md), to hold the code to. */
function expectedNode(tagged: TaskPolicy[], defaults: TaskPolicy): TaskPolicy | "conflict" {
  const out = emptyPolicy();
  for (const key of [
    "retries",
    "retryDelay",
    "priorityWeight",
    "startupTimeout",
    "executionTimeout",
  ] as const) {
    const values = tagged.map((p) => p[key]).filter((v): v is number => v !== null);
    out[key] = values.length > 0 ? Math.max(...values) : defaults[key];
  }
  const pools = new Set(tagged.map((p) => p.pool).filter((p) => p !== null));
  if (pools.size > 1) return "conflict";
  out.pool = pools.size === 1 ? [...pools][0]! : null;
  return out;
}

function expectedGroup(nodes: TaskPolicy[]): TaskPolicy | "conflict" {
  const out = emptyPolicy();
  for (const key of ["retries", "retryDelay", "priorityWeight", "startupTimeout"] as const) {
    const values = nodes.map((p) => p[key]).filter((v): v is number => v !== null);
    out[key] = values.length > 0 ? Math.max(...values) : null;
  }
  const timeouts = nodes.map((p) => p.executionTimeout);
  out.executionTimeout = timeouts.includes(null)
    ? null
    : timeouts.reduce<number>((a, b) => a + b!, 0);
  const pools = new Set(nodes.map((p) => p.pool).filter((p) => p !== null));
  if (pools.size > 1) return "conflict";
  out.pool = pools.size === 1 ? [...pools][0]! : null;
  return out;
}

describe("a task takes the strictest of its nodes", () => {
  const value = fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null });
  const policy = fc.record<TaskPolicy>({
    retries: value,
    retryDelay: value,
    executionTimeout: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
    pool: fc.constantFrom(null, null, "a", "b"),
    priorityWeight: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
    startupTimeout: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
  });
  const names = ["p0", "p1", "p2", "p3"];
  const cases = fc.record({
    defaults: fc.option(policy, { nil: null }),
    profiles: fc.tuple(policy, policy, policy, policy),
    nodes: fc.array(fc.subarray(names), { minLength: 1, maxLength: 6 }),
  });

  /** The run config of a case's profiles (and `__default__`), and the policy it falls back to. */
  const configOf = (defaults: TaskPolicy | null, profiles: readonly TaskPolicy[]) => ({
    config: {
      policies: {
        ...Object.fromEntries(names.map((n, i) => [n, profiles[i]!])),
        ...(defaults ? { __default__: { ...defaults, pool: null } } : {}),
      },
    } as unknown as RunConfig,
    base: defaults ? { ...defaults, pool: null } : emptyPolicy(),
  });

  it("holds for random profiles and tags (checked against an independent statement)", () => {
    fc.assert(
      fc.property(cases, ({ defaults, profiles, nodes }) => {
        const { config, base } = configOf(defaults, profiles);
        const wantNodes = nodes.map((tags) =>
          expectedNode(
            tags.map((t) => profiles[names.indexOf(t)]!),
            base,
          ),
        );
        const run = () =>
          groupPolicy(
            nodes.map((tags, i) => ({
              node: `n${i}`,
              policy: nodePolicy(
                `n${i}`,
                tags.map((t) => `policies.${t}`),
                config,
                "c.yaml",
              ),
            })),
            "c.yaml",
          );
        const conflict =
          wantNodes.includes("conflict") || expectedGroup(wantNodes as TaskPolicy[]) === "conflict";
        if (conflict) {
          expect(run).toThrow(
            /^c\.yaml: run_config\.policies: node "n\d+".* asks for pool "[ab]" and node "n\d+".* for pool "[ab]", but they run in one task/,
          );
        } else {
          expect(run()).toEqual(expectedGroup(wantNodes as TaskPolicy[]));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("gives each group of a plan the same policy (untagged groups' fast path included)", () => {
    // Several groups cut from the node list; most nodes untagged, as in real pipelines.
    const split = fc.record({
      c: cases,
      untagged: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      cuts: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(split, ({ c: { defaults, profiles, nodes }, untagged, cuts }) => {
        const { config, base } = configOf(defaults, profiles);
        const tagsOf = nodes.map((tags, i) => (untagged[i] ? [] : tags));
        const manifest = {
          nodes: tagsOf.map((tags, i) => ({
            name: `n${i}`,
            tags: [...tags.map((t) => `policies.${t}`), "other"],
          })),
        } as unknown as Manifest;
        const bounds = [
          ...new Set([0, ...cuts.filter((k) => k < nodes.length), nodes.length]),
        ].sort((a, b) => a - b);
        const groups = bounds.slice(1).map((end, k) => ({
          nodes: tagsOf.slice(bounds[k], end).map((_, j) => `n${bounds[k]! + j}`),
        }));
        const want = groups.map((g) => {
          const perNode = g.nodes.map((n) =>
            expectedNode(
              tagsOf[Number(n.slice(1))]!.map((t) => profiles[names.indexOf(t)]!),
              base,
            ),
          );
          return perNode.includes("conflict") ? "conflict" : expectedGroup(perNode as TaskPolicy[]);
        });
        const run = () => groupPolicies(groups, manifest, config, "c.yaml");
        if (want.includes("conflict")) expect(run).toThrow(/asks for pool/);
        else expect(run()).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it("is never below any node's own value, and the timeout covers all of them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ r: fc.nat(50), t: fc.integer({ min: 1, max: 9999 }) }), {
          minLength: 1,
        }),
        (ns) => {
          const nodes = ns.map(({ r, t }, i) => ({
            node: `n${i}`,
            policy: { ...emptyPolicy(), retries: r, executionTimeout: t },
          }));
          const group = groupPolicy(nodes, "c.yaml");
          for (const { r, t } of ns) {
            expect(group.retries).toBeGreaterThanOrEqual(r);
            expect(group.executionTimeout).toBeGreaterThanOrEqual(t);
          }
        },
      ),
    );
  });
});

describe("operator keyword arguments", () => {
  const c = configWith(
    "  policies:\n    __default__: {retries: 2, retry_delay: 60, pool: shared, startup_timeout: 300}\n    heavy: {retries: 5, pool: big}\n",
  );

  it("puts the default policy, but not the pods' startup timeout, into default_args", () => {
    expect(defaultArgs(c)).toEqual([
      { name: "retries", value: 2, duration: false },
      { name: "retry_delay", value: 60, duration: true },
      { name: "pool", value: "shared", duration: false },
    ]);
  });

  it("writes on a task only what differs from default_args; pods always get startup_timeout_seconds", () => {
    const heavy = nodePolicy("n", ["policies.heavy"], c, "c.yaml");
    expect(taskKwargs(heavy, c, false)).toEqual([
      { name: "retries", value: 5, duration: false },
      { name: "pool", value: "big", duration: false },
    ]);
    const plain = nodePolicy("m", [], c, "c.yaml");
    expect(taskKwargs(plain, c, false)).toEqual([]);
    expect(taskKwargs(plain, c, true)).toEqual([
      { name: "startup_timeout_seconds", value: 300, duration: false },
    ]);
  });
});

describe("compile: policies that the manifest's tags cannot use are one-line errors", () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-policies-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function compileError(tags: Record<string, string[]>, policies: string): string {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(FIX, "hostile.manifest.json"), "utf8"),
    ) as { nodes: { name: string; tags?: string[] }[] };
    for (const n of manifest.nodes) n.tags = [...(n.tags ?? []), ...(tags[n.name] ?? [])];
    fs.writeFileSync(path.join(tmp, "m.json"), JSON.stringify(manifest));
    const config = fs
      .readFileSync(path.join(FIX, "k8s.yaml"), "utf8")
      .replace("run_config:\n", `run_config:\n${policies}`);
    fs.writeFileSync(path.join(tmp, "c.yaml"), config);
    const out = path.join(tmp, "out");
    const r = cli([
      "compile",
      "--manifest",
      path.join(tmp, "m.json"),
      "--config",
      path.join(tmp, "c.yaml"),
      "--project",
      path.join(FIX, "project"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
    return r.err
      .trimEnd()
      .replace("kedro-airflow-k8s: error: ", "")
      .split(`${tmp}${path.sep}`)
      .join("");
  }

  it("names the profile a tag selects that the run config does not define", () => {
    expect(
      compileError({ report_yaml: ["policies.hevy"] }, "  policies:\n    heavy: {retries: 1}\n"),
    ).toBe(
      'c.yaml: run_config.policies: has no profile "hevy", which node "report_yaml" selects with its tag policies.hevy (expected one of: heavy)',
    );
  });

  it("names the two nodes of one task that ask for different pools", () => {
    expect(
      compileError(
        { "f([a;b]) -> [c]": ["policies.a"], "sandwich ${HOME} \\ back\\slash": ["policies:b"] },
        "  policies:\n    a: {pool: pool_a}\n    b: {pool: pool_b}\n",
      ),
    ).toBe(
      'c.yaml: run_config.policies: node "f([a;b]) -> [c]" asks for pool "pool_a" and node "sandwich ${HOME} \\\\ back\\\\slash" for pool "pool_b", but they run in one task (expected one pool per task: give both the same pool, or drop one)',
    );
  });

  it("names the node whose own tags ask for two pools", () => {
    expect(
      compileError(
        { report_yaml: ["policies.a", "policies.b"] },
        "  policies:\n    a: {pool: pool_a}\n    b: {pool: pool_b}\n",
      ),
    ).toMatch(
      /^c\.yaml: run_config\.policies: node "report_yaml" \(tag policies\.a\) asks for pool "pool_a" and node "report_yaml" \(tag policies\.b\) for pool "pool_b"/,
    );
  });
});

describe("compile: the DAG text", () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-policies-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function dagText(policies: string): string {
    const config = fs
      .readFileSync(path.join(FIX, "k8s.yaml"), "utf8")
      .replace("run_config:\n", `run_config:\n${policies}`);
    fs.writeFileSync(path.join(tmp, "c.yaml"), config);
    const out = path.join(tmp, `out${fs.readdirSync(tmp).length}`);
    const r = cli([
      "compile",
      "--manifest",
      path.join(FIX, "hostile.manifest.json"),
      "--config",
      path.join(tmp, "c.yaml"),
      "--project",
      path.join(FIX, "project"),
      "--out",
      out,
      "--json",
    ]);
    expect(r.code).toBe(0);
    return fs.readFileSync((JSON.parse(r.out) as { dag: string }).dag, "utf8");
  }

  it("writes default_args and dagrun_timeout on the DAG, and each pod's startup timeout", () => {
    const text = dagText(
      "  dagrun_timeout: 1d\n  startup_timeout: 10m\n  policies:\n    __default__: {retries: 2, execution_timeout: 45m, pool: etl}\n",
    );
    expect(text).toContain("\nfrom datetime import timedelta\n");
    expect(text).toContain("    dagrun_timeout=timedelta(seconds=86400),\n");
    expect(text).toContain(
      '    default_args={\n        "retries": 2,\n        "execution_timeout": timedelta(seconds=2700),\n        "pool": "etl",\n    },\n',
    );
    const pods = text.split(" = KubernetesPodOperator(").length - 1;
    expect(pods).toBeGreaterThan(1);
    expect(text.split("        startup_timeout_seconds=600,\n")).toHaveLength(pods + 1);
    // The Spark group runs three nodes: three 45-minute allowances.
    expect(text.split("        execution_timeout=timedelta(seconds=8100),\n")).toHaveLength(2);
  });

  it("is unchanged by an empty policies mapping", () => {
    const plain = dagText("");
    expect(plain).not.toMatch(/timedelta|default_args|dagrun_timeout|startup_timeout_seconds/);
    expect(dagText("  policies: {}\n")).toBe(plain);
  });
});
