import * as fs from "node:fs";
import { parseArgs } from "node:util";

/** Where a command writes; the binary passes process streams, tests pass buffers. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A command line that cannot be understood: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function required(value: string | undefined, option: string): string {
  if (value === undefined || value === "") throw new UsageError(`${option} is required`);
  return value;
}

/** Strict option parsing shared by the commands: unknown or repeated options are usage errors. */
export function parseOptions(
  args: readonly string[],
  options: Record<string, { type: "string" | "boolean" }>,
): Record<string, string | boolean | undefined> {
  const { values, tokens } = parseArgs({
    args: [...args],
    options,
    strict: true,
    allowPositionals: false,
    tokens: true,
  });
  // parseArgs keeps the last of a repeated option; a second value is more likely a mistake.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name)) throw new UsageError(`${token.rawName} is given more than once`);
    seen.add(token.name);
  }
  return values as Record<string, string | boolean | undefined>;
}

/** `--manifest DIR` (several pipelines) rather than a file. */
export function isFolder(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
