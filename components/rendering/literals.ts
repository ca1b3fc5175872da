/**
 * The one way values enter generated Python and shell text. Every string becomes a literal
 * that means exactly that string, whatever it holds (quotes, backslashes, newlines, `"""`,
 * control and non-ASCII characters); generated files are pure ASCII.
 */

/** A JSON-like value that can be written as a Python literal. */
export type PyValue =
  string | number | boolean | null | readonly PyValue[] | { readonly [key: string]: PyValue };

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, "0");
}

/** Printable ASCII but `"` and `\`: the characters a Python literal holds as they are. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `s` as a literal when it is printable ASCII plus `"`, `\`, line feed, CR and tab (every
 * task's doc_md), else null: one pass that copies the runs between escapes. Replaced a regex
 * test and a replace with a callback per match, which cost twice as much on doc_md strings.
 */
function asciiLiteral(s: string): string | null {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    let escape: string;
    if (c === 0x0a) escape = "\\n";
    else if (c === 0x22) escape = '\\"';
    else if (c === 0x5c) escape = "\\\\";
    else if (c === 0x0d) escape = "\\r";
    else if (c === 0x09) escape = "\\t";
    else return null;
    out += s.slice(start, i) + escape;
    start = i + 1;
  }
  return `${out}${s.slice(start)}"`;
}

/** `s` as a double-quoted Python string literal. Iterates code points, so pairs become \U escapes. */
export function pyString(s: string): string {
  // Most names and paths need no escape: one regex test instead of a loop over characters.
  if (PLAIN.test(s)) return `"${s}"`;
  // Printable ASCII with line breaks, tabs, quotes or backslashes: the same escapes as below.
  const ascii = asciiLiteral(s);
  if (ascii !== null) return ascii;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f) out += ch;
    else if (cp <= 0xffff)
      out += `\\u${hex(cp, 4)}`; // lone surrogates stay lone, as in JS
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

/**
 * Any PyValue as a Python literal (str, int/float, True/False/None, list, dict with sorted keys).
 * `text` maps every string value (not the keys of mappings) first: pyLiteral(v, jinjaSafe) is
 * pyLiteral(jinjaSafeDeep(v)) without the copy of v.
 */
export function pyLiteral(
  value: PyValue | undefined,
  text: ((s: string) => string) | null = null,
): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") return pyString(text === null ? value : text(value));
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return String(value);
  }
  if (Array.isArray(value)) {
    // A loop rather than map+join: every pod writes its cmds and arguments lists.
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      out += (i === 0 ? "" : ", ") + pyLiteral(value[i] as PyValue, text);
    }
    return `${out}]`;
  }
  // Keys sorted: the order of a YAML mapping carries no meaning, and must not change the DAG.
  const entries = Object.entries(value as Record<string, PyValue>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v, text)}`).join(", ")}}`;
}

/** Endings that Airflow operators list in `template_ext` (pod: yaml/yml/json; bash: sh/bash; sql). */
const TEMPLATE_EXTENSIONS = new Set(["yaml", "yml", "json", "sh", "bash", "sql", "hql"]);
const LONGEST_EXTENSION = Math.max(...[...TEMPLATE_EXTENSIONS].map((e) => e.length));

/**
 * Whether `s` ends in `.<one of TEMPLATE_EXTENSIONS>`. No extension holds a dot, so only the
 * text after the last one counts: a regex `\.(yaml|...)$` tried every dot of a long
 * `--nodes` argument.
 */
function isTemplateFile(s: string): boolean {
  const dot = s.lastIndexOf(".");
  // A tail longer than any extension (most node names) needs no slice and lookup.
  return (
    dot !== -1 &&
    s.length - dot - 1 <= LONGEST_EXTENSION &&
    TEMPLATE_EXTENSIONS.has(s.slice(dot + 1))
  );
}

/** A module constant: a regex literal in the function made a RegExp object per call. */
const JINJA_CHARS = /[{}%#]/;

/**
 * Airflow renders the templated fields of an operator with Jinja, and loads any string that
 * ends with one of the operator's template extensions (.yaml, .json, .sh, ...) as a template
 * file. A string that could be read either way is replaced by a Jinja expression whose only
 * output is the string itself, so Airflow hands the task exactly the original text.
 */
export function jinjaSafe(s: string): string {
  if (!JINJA_CHARS.test(s) && !isTemplateFile(s)) return s;
  let literal = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // Jinja decodes string literals with Python's unicode-escape: \xNN, \uNNNN and \UNNNNNNNN.
    if (cp < 0x20 || cp >= 0x7f || "'\\{}%#".includes(ch)) {
      literal +=
        cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    } else {
      literal += ch;
    }
  }
  return `{{ ${literal}' }}`;
}

/** jinjaSafe applied to every string inside a value (keys of mappings stay as they are). */
export function jinjaSafeDeep(value: PyValue): PyValue {
  if (typeof value === "string") return jinjaSafe(value);
  if (Array.isArray(value)) return value.map((v) => jinjaSafeDeep(v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, jinjaSafeDeep(v as PyValue)]),
    );
  }
  return value;
}

/** `s` as one POSIX shell word: single quotes, with each `'` written as `'\''`. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}
