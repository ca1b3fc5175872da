import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import Handlebars from "handlebars";
import { templateToJs, UnsupportedTemplate } from "../components/rendering/template-codegen";
import { templateRuntime, type TemplateRuntime } from "../components/rendering/template-runtime";
import { COMPILE_OPTIONS, HELPERS } from "../components/rendering/templates";
import { templateNames } from "../components/rendering/template-build";

/**
 * The JavaScript generated for a template renders what Handlebars renders, with the same
 * options and helpers: Handlebars itself is the checker, on templates that use every construct
 * the generator translates and on random contexts (missing keys, null, 0, "", empty and
 * non-empty arrays and objects).
 */
const handlebars = Handlebars.create();
for (const [name, helper] of Object.entries(HELPERS)) handlebars.registerHelper(name, helper);
const runtime = templateRuntime(HELPERS as TemplateRuntime["helpers"]);

function generated(source: string): (view: unknown) => string {
  const code = templateToJs(Handlebars.parse(source), Object.keys(HELPERS));
  return new Function("rt", code)(runtime) as (view: unknown) => string;
}

type Outcome = { text: string } | { error: string };
function outcome(render: () => string): Outcome {
  try {
    return { text: render() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const TEMPLATES = [
  "a{{x}}b{{{x}}}c\n",
  "{{x.y}} and {{x.y.z}}\n",
  "{{#if x}}\n  yes {{{py x}}}\n{{else}}\n  no\n{{/if}}\n",
  "{{#if x}}1{{else if y}}2{{else}}3{{/if}}",
  "{{#unless x}}none{{/unless}}|{{#if x.y}}deep{{/if}}",
  "{{#each x}}\n- {{{py @key}}}={{{pyt this}}} {{@index}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}\n{{else}}\nempty\n{{/each}}\n",
  "{{#with x}}\n{{{py y}}} {{{sh y}}} {{{comment y}}}\n{{else}}\nnone\n{{/with}}\n",
  "{{#eachFlat x}}[{{{py this}}} {{{py @root.y}}}]{{/eachFlat}}",
  "  {{{indent x 4}}}\n{{~#if y}} tight {{~/if}}\n",
  '{{{py "lit"}}} {{{py 3}}} {{{py true}}} {{{py null}}}',
];

const leaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(0),
  fc.constant(""),
  fc.integer({ min: -3, max: 3 }),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("x", "y", "z", "k"), tie("v"), { maxKeys: 3 }),
  ),
})).v;
const view = fc.record({ x: value, y: value }, { requiredKeys: [] });

describe("generated template code", () => {
  it.each(TEMPLATES)("renders as Handlebars does: %j", (source) => {
    const expected = handlebars.compile(source, COMPILE_OPTIONS);
    const actual = generated(source);
    fc.assert(
      fc.property(view, (v) => {
        const want = outcome(() => expected(v));
        const got = outcome(() => actual(v));
        if ("error" in want)
          expect(got).toHaveProperty("error"); // same failure, own wording
        else expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("names a missing value as Handlebars' strict mode does", () => {
    const source = "line\n  {{a.b}}";
    expect(() => handlebars.compile(source, COMPILE_OPTIONS)({ a: {} })).toThrow(
      '"b" not defined in [object Object] - 2:4',
    );
    expect(() => generated(source)({ a: {} })).toThrow('"b" not defined in [object Object] - 2:4');
  });

  it.each([
    ["a partial", "{{> p}}"],
    ["a ../ path", "{{#each x}}{{../y}}{{/each}}"],
    ["a hash argument", "{{{py x a=1}}}"],
    ["block params", "{{#each x as |i|}}{{i}}{{/each}}"],
    ["an unknown helper", "{{{nope x}}}"],
    ["a sub-expression", "{{{py (py x)}}}"],
    ["a helper without arguments", "{{py}}"],
  ])("refuses %s (Handlebars then runs the template)", (_what, source) => {
    expect(() => templateToJs(Handlebars.parse(source), Object.keys(HELPERS))).toThrow(
      UnsupportedTemplate,
    );
  });

  it.each(templateNames())("translates templates/%s", (name) => {
    const source = fs.readFileSync(path.join(__dirname, "..", "templates", name), "utf8");
    expect(() => templateToJs(Handlebars.parse(source), Object.keys(HELPERS))).not.toThrow();
  });
});
