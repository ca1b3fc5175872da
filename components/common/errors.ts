/**
 * A mistake in the user's input: which file, where in it, and what was expected.
 * The CLI prints `message` as one line and exits 2; the component wraps it in a
 * pulumi.ResourceError. Anything else that is thrown is a bug and keeps its stack.
 */
export class InputError extends Error {
  override readonly name = "InputError";

  constructor(
    /** The file (or "runConfig argument" and the like for values passed from code). */
    readonly source: string,
    /** Where in the document, e.g. `nodes[3].inputs[0]` or `run_config.spark.type`. */
    readonly path: string,
    /** What was expected, and what was found. */
    readonly detail: string,
  ) {
    super(`${source}: ${path}: ${detail}`);
  }
}

/** Formats a path from its segments: `["nodes", 3, "name"]` -> `nodes[3].name`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === "" ? "(top level)" : out;
}

/** Describes a value's JSON type for "expected X, got Y" messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/**
 * Several input mistakes found in one pass (say, every dataset that cannot cross tasks), so
 * that one run names them all. `message` holds one line per mistake.
 */
export class InputErrors extends InputError {
  constructor(readonly errors: readonly InputError[]) {
    super(errors[0]!.source, errors[0]!.path, errors[0]!.detail);
    this.message = errors.map((e) => e.message).join("\n");
  }
}
