import * as fs from "node:fs";
import * as path from "node:path";
import Handlebars from "handlebars";
import { packageRoot } from "../common/paths";
import { jinjaSafeDeep, pyLiteral, shellQuote, type PyValue } from "./literals";

/**
 * The template engine: Handlebars with HTML escaping off, strict (a missing variable is an
 * error, not an empty string), and the helpers that are the only way values reach the text:
 *   {{{py x}}}        a Python literal of x
 *   {{{pyt x}}}       the same for a value in an Airflow templated field (Jinja-safe)
 *   {{{sh x}}}        one shell word
 *   {{{comment x}}}   x on one line, safe inside a shell or Python comment
 *   {{{indent x n}}}  x with every line after the first indented by n spaces
 */
const engine = Handlebars.create();
engine.registerHelper("py", (value: PyValue) => pyLiteral(value));
engine.registerHelper("pyt", (value: PyValue) =>
  pyLiteral(value === null || value === undefined ? null : jinjaSafeDeep(value)),
);
engine.registerHelper("sh", (value: string) => shellQuote(String(value)));
engine.registerHelper("comment", (value: string) =>
  JSON.stringify(String(value)).replace(/[^\x20-\x7e]/g, "?"),
);
engine.registerHelper("indent", (value: string, spaces: number) =>
  String(value)
    .replace(/\s+$/, "")
    .split("\n")
    .map((line, i) => (i === 0 || line === "" ? line : " ".repeat(spaces) + line))
    .join("\n"),
);

// `each` for long lists: Handlebars builds the output by concatenation, which V8 keeps as a
// tree of small string pieces (about 200 MB for a 21 MB DAG). Reading each rendered item once
// makes V8 store it flat, and one join builds the result: a third less render time at 50,000
// nodes and a much smaller heap (docs/performance.md). The output is byte-identical.
engine.registerHelper(
  "eachFlat",
  (items: readonly unknown[], options: Handlebars.HelperOptions) => {
    const parts: string[] = [];
    for (const item of items) {
      const part = options.fn(item);
      Buffer.byteLength(part); // any full read flattens the string
      parts.push(part);
    }
    return parts.join("");
  },
);

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/<name> with `view`. */
export function renderTemplate(name: string, view: object): string {
  let template = cache.get(name);
  if (template === undefined) {
    const source = fs.readFileSync(path.join(packageRoot(), "templates", name), "utf8");
    template = engine.compile(source, { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(view);
}

/** Files shipped as they are (no template), e.g. the Kubernetes runner script. */
export function readStaticTemplate(name: string): string {
  return fs.readFileSync(path.join(packageRoot(), "templates", name), "utf8");
}
