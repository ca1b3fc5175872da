/**
 * Kedro's `--nodes a,b` splits on commas outside square brackets (so generated names such as
 * `f([a,b]) -> [c]` survive). A name that would not come back whole (a comma outside brackets,
 * unbalanced brackets, surrounding spaces) cannot be passed that way: we refuse it rather
 * than run the wrong nodes.
 */
export function splitNodeNames(joined: string): string[] {
  // The same walk as kedro.framework.cli.utils.split_node_names (0.19 and 1.x alike): the
  // bracket depth may go negative, names are stripped, and a comma that would end an empty
  // name is kept as text.
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of `${joined},`) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    if (ch === "," && depth === 0 && current !== "") {
      out.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  return out;
}

/** The `--nodes` value for these names, or null when Kedro would read it back differently. */
export function joinNodeNames(names: readonly string[]): string | null {
  const joined = names.join(",");
  // Names without commas, brackets or surrounding space (nearly all) split back as they were,
  // so the character walk is not needed (about 3 % of compileProject at 10,000 nodes).
  if (names.every(splitsBackWhole)) return joined;
  const back = splitNodeNames(joined);
  return back.length === names.length && back.every((n, i) => n === names[i]) ? joined : null;
}

/** A name that splitNodeNames returns unchanged from any `a,b` list: not empty, no `,[]`, trimmed. */
function splitsBackWhole(name: string): boolean {
  return name !== "" && !/[,[\]]/.test(name) && name.trim() === name;
}
