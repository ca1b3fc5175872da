/**
 * The escaping helpers, checked against the real parsers: Python's own `ast.literal_eval`
 * and bash. Each property batches its cases into one child process.
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import {
  jinjaSafe,
  jinjaSafeDeep,
  pyLiteral,
  pyString,
  shellQuote,
  type PyValue,
} from "../components/rendering/literals";
import { RESERVED_TASK_IDS, groupName } from "../components/planning/task-ids";
import { MAX_TASK_ID, batchIdStem, sanitizeId, slug } from "../components/rendering/names";
import { joinNodeNames, splitNodeNames } from "../components/rendering/kedro-args";

/** Strings built from the characters that break naive generators, plus anything at all. */
const hostile = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      ..."'\"\\\n\r\t{}%#$()`;>[], \u0000\u2028\u00e9\ud83d\ude80",
      '"""',
      "{{",
      "}}",
      "${",
      "$(",
      "{%",
    ),
    maxLength: 30,
  }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** Python reads every literal back; returns what it read, as JSON with surrogates escaped. */
function pythonReads(literals: string[]): unknown[] {
  const program = [
    "import ast, json, sys",
    "out = [ast.literal_eval(line) for line in sys.stdin.read().split('\\n') if line]",
    "sys.stdout.write(json.dumps(out, ensure_ascii=True))",
  ].join("\n");
  const text = execFileSync("python3", ["-c", program], {
    input: literals.join("\n"),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return JSON.parse(text) as unknown[];
}

describe("pyString / pyLiteral", () => {
  it("writes ASCII-only literals that Python reads back as the same string (10,000 cases)", () => {
    const samples = fc.sample(hostile, { numRuns: 10000, seed: 20261124 });
    const literals = samples.map(pyString);
    for (const lit of literals) expect(lit).toMatch(/^"[\x20-\x7e]*"$/);
    expect(pythonReads(literals)).toEqual(samples);
  });

  it("writes nested values as Python literals", () => {
    const values = fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 300, seed: 7 }) as PyValue[];
    // JSON round trips lose -0; Python keeps it. Compare through JSON on both sides.
    expect(pythonReads(values.map((v) => pyLiteral(v)))).toEqual(
      JSON.parse(JSON.stringify(values)),
    );
  });

  it("maps every string value, and no key, with pyLiteral(v, jinjaSafe) as jinjaSafeDeep does", () => {
    const jinjaish = fc.oneof(hostile, fc.constantFrom("{{ x }}", "a.yaml", "%#{", "run.sh"));
    const value = fc
      .jsonValue({ maxDepth: 3 })
      .chain((v) =>
        fc.oneof(
          fc.constant(v),
          fc.dictionary(jinjaish, fc.oneof(jinjaish, fc.array(jinjaish)), { maxKeys: 4 }),
        ),
      );
    fc.assert(
      fc.property(value, (v) => {
        const expected = pyLiteral(jinjaSafeDeep(v as PyValue));
        expect(pyLiteral(v as PyValue, jinjaSafe)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("writes None, True and False", () => {
    expect(pyLiteral(null)).toBe("None");
    expect(pyLiteral([true, false, { a: null }])).toBe('[True, False, {"a": None}]');
  });
});

describe("shellQuote", () => {
  it("makes one word that bash reads back as the same string", () => {
    // Shell words cannot carry NUL bytes; everything else must survive.
    const samples = fc
      .sample(hostile, { numRuns: 2000, seed: 11 })
      .map((s) => s.replace(/\0/g, ""));
    const script = samples.map((s) => `printf '%s\\0' ${shellQuote(s)}`).join("\n");
    const out = execFileSync("bash", ["-c", script], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(out.split("\0").slice(0, -1)).toEqual(
      samples.map((s) => Buffer.from(s, "utf8").toString("utf8")),
    );
  });
});

describe("groupName", () => {
  const kinds = fc.constantFrom<"spark" | "default">("spark", "default");
  // Names made to clash: with the Spark prefix, reserved ids, hashed-looking tails, lengths.
  const tricky = fc.oneof(
    hostile,
    fc.constantFrom("x", "pyspark_x", "create_spark_cluster", "spark_jobs_succeeded", "a b", "a_b"),
    hostile.map((s) => `${s}__0123abcd`),
    fc.integer({ min: 240, max: 260 }).map((n) => "n".repeat(n)),
  );

  it("gives valid ids of at most 250 characters, distinct over groups of distinct first nodes, never reserved", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(kinds, tricky), { maxLength: 40 }), (groups) => {
        // Node names are unique in a pipeline: one first node per group.
        const firsts = new Set<string>();
        const unique = groups.filter(([, n]) => !firsts.has(n) && firsts.add(n) !== undefined);
        const ids = unique.map(([kind, n]) => groupName(kind, n));
        for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$/);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(RESERVED_TASK_IDS).not.toContain(id);
        unique.forEach(([kind, n], i) => {
          const id = ids[i]!;
          // Spark ids carry the prefix; a pod id that does is a hashed one.
          if (kind === "spark") expect(id.startsWith("pyspark_")).toBe(true);
          else if (id.startsWith("pyspark_")) expect(id).toMatch(/__[0-9a-f]{8}$/);
          // A name is kept only when it is already a plain id.
          if (id === (kind === "spark" ? `pyspark_${n}` : n))
            expect(id).not.toMatch(/__[0-9a-f]{8}$/);
          expect(groupName(kind, n)).toBe(ids[i]);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("keeps plain names, and hashes (never numbers) the ones it must change", () => {
    expect(groupName("default", "preprocess")).toBe("preprocess");
    expect(groupName("spark", "ns.join-1")).toBe("pyspark_ns.join-1");
    const hashed = /^(.*)__[0-9a-f]{8}$/;
    const cases: [kind: "spark" | "default", name: string, stem: string][] = [
      ["default", "f([a;b]) -> [c]", "f_a_b_-_c_"],
      ["default", "pyspark_x", "pyspark_x"],
      ["default", "create_spark_cluster", "create_spark_cluster"],
      ["default", "t__0123abcd", "t__0123abcd"],
      ["spark", "a b", "pyspark_a_b"],
      ["spark", "é", "pyspark__"],
    ];
    for (const [kind, name, stem] of cases) {
      expect(groupName(kind, name).match(hashed)?.[1]).toBe(stem);
    }
    expect(groupName("default", "a b")).not.toBe(groupName("default", "a;b"));
    expect(groupName("spark", "x")).not.toBe(groupName("default", "pyspark_x"));
    expect(groupName("default", "n".repeat(251))).toHaveLength(MAX_TASK_ID);
    expect(groupName("default", "n".repeat(250))).toBe("n".repeat(250));
    expect(groupName("spark", "n".repeat(243))).toHaveLength(MAX_TASK_ID);
  });
});

describe("sanitizeId", () => {
  it("gives a valid id of at most 250 characters", () => {
    fc.assert(
      fc.property(hostile, (name) => {
        expect(sanitizeId(name)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,249}$/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("batchIdStem", () => {
  it("fits Dataproc's batch id with its try suffix and tells groups of one slug apart", () => {
    fc.assert(
      fc.property(hostile, hostile, (prefix, group) => {
        expect(`${batchIdStem(prefix, group)}-0123456789`).toMatch(/^[a-z][a-z0-9-]{3,62}$/);
      }),
      { numRuns: 300 },
    );
    expect(batchIdStem("dag", "pyspark_A")).not.toBe(batchIdStem("dag", "pyspark_a"));
    expect(batchIdStem("dag", "pyspark_a")).toMatch(/^dag-pyspark-a-[0-9a-f]{8}$/);
  });
});

describe("slug", () => {
  it("gives lowercase letters, digits and dashes, starting with a letter, within the limit", () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 60 }), (text, max) => {
        const s = slug(text, max, "kedro");
        expect(s).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(s.length).toBeLessThanOrEqual(max);
        expect(s.endsWith("-")).toBe(false);
      }),
    );
  });
});

describe("Kedro --nodes", () => {
  it("round-trips names, brackets included, and refuses bare commas", () => {
    expect(splitNodeNames("a,f([x,y]) -> [z],b")).toEqual(["a", "f([x,y]) -> [z]", "b"]);
    expect(joinNodeNames(["a", "f([x,y]) -> [z]"])).toBe("a,f([x,y]) -> [z]");
    expect(joinNodeNames(["a,b"])).toBeNull();
    expect(joinNodeNames(["x]", "y"])).toBeNull();
    expect(joinNodeNames([" padded"])).toBeNull();
    // Kedro's own results for odd strings (kedro.framework.cli.utils.split_node_names).
    expect(splitNodeNames("x],y")).toEqual([]);
    expect(splitNodeNames("a,,b")).toEqual(["a", ",b"]);
    expect(splitNodeNames("a]b,[c,d]")).toEqual(["a]b,[c"]);
  });

  it("joins exactly the name lists that Kedro's split gives back whole (the fast path included)", () => {
    const name = fc.oneof(
      hostile,
      fc.string({ unit: fc.constantFrom("a", ".", "_", " ", ",", "[", "]", "\t"), maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(name, { maxLength: 5 }), (names) => {
        const joined = names.join(",");
        const back = splitNodeNames(joined);
        const whole = back.length === names.length && back.every((n, i) => n === names[i]);
        expect(joinNodeNames(names)).toBe(whole ? joined : null);
      }),
      { numRuns: 2000, seed: 20261201 },
    );
  });
});

describe("jinjaSafe", () => {
  it("rewrites a string exactly when it holds {, }, % or # or ends in a template extension", () => {
    const ext = fc.constantFrom("yaml", "yml", "json", "sh", "bash", "sql", "hql", "yam", "txt");
    const text = fc.oneof(
      hostile,
      fc.tuple(hostile, fc.constantFrom(".", "..", "a.", ""), ext).map((p) => p.join("")),
    );
    const rule = /[{}%#]|\.(yaml|yml|json|sh|bash|sql|hql)$/;
    fc.assert(
      fc.property(text, (s) => {
        expect(jinjaSafe(s) !== s).toBe(rule.test(s));
      }),
      { numRuns: 2000, seed: 20261201 },
    );
  });
});
