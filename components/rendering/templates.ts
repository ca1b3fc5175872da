import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { HelperDelegate, HelperOptions, TemplateDelegate } from "handlebars";
import { packageRoot } from "../common/paths";
import { jinjaSafe, pyLiteral, shellQuote, type PyValue } from "./literals";
import { templateToJs, UnsupportedTemplate } from "./template-codegen";
import { templateRuntime, type TemplateRuntime } from "./template-runtime";

/**
 * The template engine: Handlebars with HTML escaping off, strict (a missing variable is an
 * error, not an empty string), and the helpers that are the only way values reach the text:
 *   {{{py x}}}        a Python literal of x
 *   {{{pyt x}}}       the same for a value in an Airflow templated field (Jinja-safe)
 *   {{{sh x}}}        one shell word
 *   {{{comment x}}}   x on one line, safe inside a shell or Python comment
 *   {{{indent x n}}}  x with every line after the first indented by n spaces
 *
 * Rendering goes through JavaScript written for each template by template-codegen.ts (the
 * same lookups and tests as Handlebars, without its runtime: most of a 10,000-node render was
 * Handlebars' helper calls and checked lookups). `npm run build` writes that code for every
 * templates/**\/*.hbs into dist/components/rendering/precompiled/ (template-build.ts), so a
 * CLI call loads no Handlebars at all. A precompiled template is used only if it was made from
 * the exact text of the .hbs (its SHA-256); otherwise (from the sources, as in the tests, or
 * after an edit without a build) Handlebars parses the template here and the same code is
 * generated. A template with a construct the generator does not translate is run by Handlebars
 * itself (precompiled at build time too). The .hbs stay the source.
 */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

/** The helpers, registered on whichever Handlebars environment runs the templates. */
export const HELPERS: Record<string, HelperDelegate> = {
  py: (value: PyValue) => pyLiteral(value),
  pyt: (value: PyValue) => pyLiteral(value, jinjaSafe),
  sh: (value: string) => shellQuote(String(value)),
  comment: (value: string) => JSON.stringify(String(value)).replace(/[^\x20-\x7e]/g, "?"),
  indent: (value: string, spaces: number) =>
    String(value)
      .replace(/\s+$/, "")
      .split("\n")
      .map((line, i) => (i === 0 || line === "" ? line : " ".repeat(spaces) + line))
      .join("\n"),
  // `each` for long lists: Handlebars builds the output by concatenation, which V8 keeps as a
  // tree of small string pieces (about 200 MB for a 21 MB DAG). Reading each rendered item once
  // makes V8 store it flat: a third less render time at 50,000 nodes and a much smaller heap
  // (docs/performance.md). The flat items are then concatenated (one tree node each, flattened
  // once where the text is written), which took fewer instructions than an array and a join.
  eachFlat: (items: readonly unknown[], options: HelperOptions) => {
    let out = "";
    for (let i = 0; i < items.length; i++) {
      const part = options.fn(items[i]);
      Buffer.byteLength(part); // any full read flattens the string
      out += part;
    }
    return out;
  },
};

/** A precompiled template as template-build.ts writes it: generated code or Handlebars' spec. */
type PrecompiledModule = { sourceDigest: string } & (
  | { kind: "js"; render: (rt: TemplateRuntime) => TemplateDelegate }
  | { kind: "handlebars"; spec: object }
);

export function templateDigest(source: string): string {
  return createHash("sha256").update(source).digest("hex");
}

export function precompiledTemplateFile(name: string, dir = __dirname): string {
  return path.join(dir, "precompiled", `${name}.js`);
}

type Environment = typeof import("handlebars");
let runtimeEnv: Environment | undefined;
let compilerEnv: Environment | undefined;
function withHelpers(env: Environment): Environment {
  for (const [name, helper] of Object.entries(HELPERS)) env.registerHelper(name, helper);
  return env;
}

let runtime: TemplateRuntime | undefined;
const generatedRuntime = (): TemplateRuntime =>
  (runtime ??= templateRuntime(HELPERS as TemplateRuntime["helpers"]));

/**
 * The generated JavaScript of a template's source, or null when the template uses a construct
 * template-codegen.ts does not translate (Handlebars then runs it).
 */
export function generatedTemplateCode(handlebars: Environment, source: string): string | null {
  try {
    return templateToJs(handlebars.parse(source), Object.keys(HELPERS));
  } catch (error) {
    if (error instanceof UnsupportedTemplate) return null;
    throw error;
  }
}

function loadTemplate(name: string): TemplateDelegate {
  const source = fs.readFileSync(path.join(packageRoot(), "templates", name), "utf8");
  const file = precompiledTemplateFile(name);
  if (fs.existsSync(file)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as PrecompiledModule;
    if (mod.sourceDigest === templateDigest(source)) {
      if (mod.kind === "js") return mod.render(generatedRuntime());
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      runtimeEnv ??= withHelpers((require("handlebars/runtime") as Environment).create());
      return runtimeEnv.template(mod.spec as Parameters<Environment["template"]>[0]);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  compilerEnv ??= withHelpers((require("handlebars") as Environment).create());
  const code = generatedTemplateCode(compilerEnv, source);
  if (code === null) return compilerEnv.compile(source, COMPILE_OPTIONS);
  // The code is ours (template-codegen.ts), made from our own template file.
  return new Function("rt", code)(generatedRuntime()) as TemplateDelegate;
}

const cache = new Map<string, TemplateDelegate>();

/** Renders templates/<name> with `view`. */
export function renderTemplate(name: string, view: object): string {
  let template = cache.get(name);
  if (template === undefined) {
    template = loadTemplate(name);
    cache.set(name, template);
  }
  return template(view);
}

/** Files shipped as they are (no template), e.g. the Kubernetes runner script. */
export function readStaticTemplate(name: string): string {
  return fs.readFileSync(path.join(packageRoot(), "templates", name), "utf8");
}
