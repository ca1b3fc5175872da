import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { diffManifests } from "../components/manifest/diff";

/* The summary `manifest --check` prints when a committed manifest is stale. */
const EXAMPLE = path.join(__dirname, "..", "examples", "spaceflights_spark", "manifest.json");
/** The parts of the example manifest these tests edit. */
interface ExampleDoc {
  project: { kedroVersion: string };
  nodes: { name: string; tags: string[] }[];
  datasets: Record<string, { type: string }>;
  runConfig?: {
    image: string;
    namespace?: string;
    spark: { cluster_config: { worker_config: { num_instances: number } } };
  };
}
const example = () => JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as ExampleDoc;

const node = (name: string, tags: string[] = []) => ({ name, inputs: [], outputs: [], tags });
const doc = (nodes: object[], extra: object = {}) => ({
  schemaVersion: 1,
  project: { name: "p" },
  nodes,
  ...extra,
});

describe("diffManifests", () => {
  it("finds nothing between a manifest and itself, key order aside", () => {
    const a = example();
    const reordered = Object.fromEntries(Object.entries(example()).reverse());
    expect(diffManifests(a, reordered)).toEqual([]);
  });

  it("names top-level facts, nodes, datasets and run config keys that changed", () => {
    const before = example();
    const after = example();
    after.project.kedroVersion = "0.19.15";
    after.nodes[0]!.tags = ["new"];
    after.nodes.pop();
    after.datasets["companies"]!.type = "pandas.ExcelDataset";
    after.runConfig!.image = "img:2";
    after.runConfig!.spark.cluster_config.worker_config.num_instances = 8;
    delete after.runConfig!.namespace;
    expect(diffManifests(before, after)).toEqual([
      'project.kedroVersion: "1.7.0" -> "0.19.15"',
      `nodes: 1 removed (${before.nodes.at(-1)!.name}), 1 changed (${before.nodes[0]!.name}: tags)`,
      "datasets: 1 changed (companies: type)",
      "runConfig: 3 keys changed (image, namespace, spark.cluster_config.worker_config.num_instances)",
    ]);
    const { runConfig, ...without } = after;
    expect(runConfig).toBeDefined();
    expect(diffManifests(before, without).at(-1)).toBe("runConfig: removed");
    const reversed = { ...before, nodes: [...before.nodes].reverse() };
    expect(diffManifests(before, reversed)).toEqual(["nodes: same nodes, in another order"]);
  });

  it("counts added, removed and changed nodes exactly, listing five names at most", () => {
    const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), { maxLength: 14 });
    fc.assert(
      fc.property(names, fc.infiniteStream(fc.nat(2)), (all, choices) => {
        // Each name is kept (0), dropped from the fresh export (1) or added in it (2); kept
        // names at even positions get a new tag.
        const fate = new Map(all.map((n) => [n, choices.next().value as number]));
        const kept = all.filter((n) => fate.get(n) === 0);
        const changed = kept.filter((_, i) => i % 2 === 0);
        const before = doc(all.filter((n) => fate.get(n) !== 2).map((n) => node(n)));
        const after = doc(
          all
            .filter((n) => fate.get(n) !== 1)
            .map((n) => node(n, changed.includes(n) ? ["t"] : [])),
        );
        const line = diffManifests(before, after).find((l) => l.startsWith("nodes: "));
        const added = all.filter((n) => fate.get(n) === 2);
        const removed = all.filter((n) => fate.get(n) === 1);
        if (added.length + removed.length + changed.length === 0) {
          expect(line === undefined || line === "nodes: same nodes, in another order").toBe(true);
          return;
        }
        const expectPart = (n: number, word: string) => {
          if (n === 0) expect(line).not.toContain(word);
          else expect(line).toContain(`${n} ${word} (`);
        };
        expectPart(added.length, "added");
        expectPart(removed.length, "removed");
        expectPart(changed.length, "changed");
        const more = [added, removed, changed].filter((g) => g.length > 5).length;
        expect((line!.match(/ more\)/g) ?? []).length).toBe(more);
      }),
      { numRuns: 200 },
    );
  });
});
