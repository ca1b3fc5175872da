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
import { MAX_TASK_ID, slug, taskIds } from "../components/rendering/names";
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

describe("taskIds", () => {
  it("gives valid, unique ids of at most 250 characters, the same every time", () => {
    fc.assert(
      fc.property(
        fc.array(hostile, { maxLength: 40 }),
        fc.array(fc.constantFrom("x", "create_spark_cluster")),
        (names, reserved) => {
          const ids = taskIds(names, reserved);
          expect(ids).toHaveLength(names.length);
          for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_.-]{1,250}$/);
          expect(new Set([...ids, ...reserved]).size).toBe(ids.length + new Set(reserved).size);
          expect(taskIds(names, reserved)).toEqual(ids);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("disambiguates names that sanitise alike, in order, and keeps long ones in bounds", () => {
    expect(taskIds(["a b", "a_b", "a;b"])).toEqual(["a_b", "a_b_2", "a_b_3"]);
    const long = "n".repeat(400);
    const ids = taskIds([long, long]);
    expect(ids[0]).toHaveLength(MAX_TASK_ID);
    expect(ids[1]).toHaveLength(MAX_TASK_ID);
    expect(ids[1]!.endsWith("_2")).toBe(true);
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
});
