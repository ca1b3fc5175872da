import { execFileSync } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { joinNodeNames, splitNodeNames } from "../components/rendering/kedro-args";

/**
 * Kedro's `--nodes` rule is written twice: in TypeScript, where the DAG joins a group's names
 * (and refuses names that would not come back whole), and in the Spark-on-Kubernetes runner
 * (templates/scripts/k8s_runner.py), which reads them in the driver pod. This holds the two to
 * the same results; test/python/kedro/test_run_scripts.py holds the runner to Kedro's own
 * function. The runner imports only the standard library at its top, so python3 runs it.
 */
const RUNNER = path.join(__dirname, "..", "templates", "scripts", "k8s_runner.py");

function runnerSplits(texts: string[]): string[][] {
  const script = [
    "import importlib.util, json, sys",
    `spec = importlib.util.spec_from_file_location("runner", ${JSON.stringify(RUNNER)})`,
    "runner = importlib.util.module_from_spec(spec)",
    "spec.loader.exec_module(runner)",
    "print(json.dumps([runner.split_node_names(t) for t in json.load(sys.stdin)]))",
  ].join("\n");
  const out = execFileSync("python3", ["-c", script], { input: JSON.stringify(texts) });
  return JSON.parse(out.toString()) as string[][];
}

/** Strings of the characters the rule looks at, plus a few others. */
const nodeText = fc.string({
  unit: fc.constantFrom("[", "]", ",", " ", "a", "b", "é"),
  maxLength: 16,
});

describe("Kedro's node-name splitting, in the DAG and in the k8s runner", () => {
  it("splits every string the same way on both sides", () => {
    const texts = fc.sample(nodeText, { numRuns: 3000, seed: 5 });
    texts.push("x],y", "a,,b", "a]b,[c,d]", "]a[,b", "f([a,b]) -> [c],g", "", ",", " ,");
    const fromRunner = runnerSplits(texts);
    texts.forEach((text, i) => expect([text, fromRunner[i]]).toEqual([text, splitNodeNames(text)]));
  });

  it("gives the runner back every group the DAG accepts", () => {
    const lists = fc
      .sample(fc.array(nodeText, { minLength: 1, maxLength: 4 }), { numRuns: 12000, seed: 6 })
      .filter((names) => joinNodeNames(names) !== null);
    // The filter keeps only what the DAG would write; a sample where none passes proves nothing.
    expect(lists.length).toBeGreaterThan(300);
    const fromRunner = runnerSplits(lists.map((names) => joinNodeNames(names)!));
    lists.forEach((names, i) => expect(fromRunner[i]).toEqual(names));
  });
});
