/**
 * The DAG's pods share their settings text per resources profile (compile.ts renders each
 * profile's once): every pod must still get exactly its own profile's settings and its own
 * arguments, whatever the mix of profiles and in whatever order the nodes come.
 */
import fc from "fast-check";
import { normaliseRunConfig } from "../components/config/load";
import { normaliseManifest } from "../components/manifest/load";
import { planPipeline } from "../components/planning/plan";
import { compileProject } from "../components/rendering/compile";

const PROFILES = {
  __default__: { requests: { cpu: "100m" } },
  large: { requests: { cpu: "4" }, node_selectors: { pool: "big" } },
  small: { limits: { memory: "1Gi" }, labels: { size: "small" } },
} as const;
type Choice = "large" | "small" | "none";

/** What a pod of each profile's operator call must hold, and the others' it must not. */
const MARKS: Record<Choice, string[]> = {
  none: ['requests={"cpu": "100m"}'],
  large: ['requests={"cpu": "4"}', 'node_selector={"pool": "big"}'],
  small: ['limits={"memory": "1Gi"}', 'labels={"size": "small"}'],
};

function dag(choices: readonly Choice[]): string {
  const manifest = normaliseManifest(
    {
      schemaVersion: 1,
      project: { name: "probe" },
      nodes: choices.map((choice, i) => ({
        name: `n${i}`,
        inputs: [],
        outputs: [`x${i}`],
        tags: choice === "none" ? [] : [`resources:${choice}`],
      })),
    },
    "manifest.json",
  );
  const config = normaliseRunConfig(
    { run_config: { image: "img", namespace: "ns", resources: PROFILES } },
    "conf.yaml",
  );
  return compileProject({
    manifest,
    plan: planPipeline(manifest, config),
    config,
    manifestSource: "manifest.json",
    configSource: "conf.yaml",
    factory: null,
    projectDir: null,
  }).dag.content;
}

/** Each pod's operator call by the node it runs (the task id is the node name here). */
function podCalls(text: string): Map<string, string> {
  const calls = new Map<string, string>();
  for (const m of text.matchAll(/^ {4}task_\d+ = KubernetesPodOperator\(\n([\s\S]*?)^ {4}\)$/gm)) {
    const id = /task_id="([^"]+)"/.exec(m[1]!)![1]!;
    calls.set(id, m[1]!);
  }
  return calls;
}

describe("pod settings rendered once per resources profile", () => {
  it("gives every pod its own profile's settings and its own arguments", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Choice>("large", "small", "none"), {
          minLength: 1,
          maxLength: 12,
        }),
        (choices) => {
          const calls = podCalls(dag(choices));
          expect(calls.size).toBe(choices.length);
          choices.forEach((choice, i) => {
            const call = calls.get(`n${i}`)!;
            for (const mark of MARKS[choice]) expect(call).toContain(mark);
            for (const other of ["none", "large", "small"] as const) {
              if (other === choice) continue;
              for (const mark of MARKS[other]) expect(call).not.toContain(mark);
            }
            expect(call).toContain('namespace="ns"');
            expect(call).toContain('image="img"');
            expect(call).toContain(`"--nodes", "n${i}"`);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
