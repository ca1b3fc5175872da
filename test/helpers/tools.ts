import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const built = new Set<string>();

/**
 * A tool from one of the pinned virtualenvs, e.g. `venvTool("shellcheck", "shellcheck")` is
 * `.venvs/shellcheck/bin/shellcheck` from python/envs/shellcheck.txt. Builds the venv with
 * scripts/pyenv.sh when it is missing or stale (a no-op otherwise), so a test run alone works
 * on a fresh clone; throws, failing the test, when the tool cannot be had. Never the PATH's.
 */
export function venvTool(venv: string, tool: string): string {
  if (!built.has(venv)) {
    execFileSync("bash", [path.join(ROOT, "scripts", "pyenv.sh"), venv], { stdio: "inherit" });
    built.add(venv);
  }
  const file = path.join(ROOT, ".venvs", venv, "bin", tool);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing after scripts/pyenv.sh ${venv}`);
  return file;
}
