import { run } from "../../components/cli/main";

/** Runs one CLI invocation in-process and captures what it prints. */
export function cli(args: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = run(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}
