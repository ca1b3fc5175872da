import * as path from "node:path";
import { InputError, InputErrors, formatPath } from "../common/errors";
import type { PipelineGraph } from "../manifest/graph";
import type { DatasetLocation, Manifest } from "../manifest/types";
import type { Catalog } from "./detect";
import type { Grouping } from "./group";

/**
 * Every task runs in its own pod or cluster with its own disk, so a persisted dataset on a
 * local path that one task writes and another reads is not there for the reader (or is a
 * stale copy baked into the image). This finds every such dataset, unless its path lies under
 * a prefix the user declared as storage mounted at the same place in every task
 * (`run_config.shared_filesystems`). Datasets whose entry names no path are not judged.
 */
export function checkLocalPathsAcrossTasks(
  graph: PipelineGraph,
  grouping: Grouping,
  catalog: Catalog,
  manifest: Manifest,
  sharedFilesystems: readonly string[],
  source: string,
): void {
  const shared = sharedFilesystems.map(normalise);
  // The entries that would be a problem if two tasks shared them, judged once per entry
  // (usually none, and then no edge needs a look).
  const unshared = new Map<string, DatasetLocation>();
  const names = Object.keys(manifest.datasets);
  for (let i = 0; i < names.length; i++) {
    // Indexed loops: unoptimised, a for...of allocates per step (docs/performance.md, sixth round).
    const name = names[i]!;
    const location = manifest.datasets[name]!.location;
    if (!location || !location.local || catalog.isInMemory(name)) continue;
    if (!isUnderShared(location, shared)) unshared.set(name, location);
  }
  if (unshared.size === 0) return;
  // One finding per catalog entry: its producer task and every task that reads it.
  const findings = new Map<string, { location: DatasetLocation; from: string; to: Set<string> }>();
  for (const edge of graph.edges) {
    const from = grouping.groupOf[edge.from]!;
    const to = grouping.groupOf[edge.to]!;
    if (from === to) continue;
    for (const ds of edge.datasets) {
      // Transcoded entries (`x@spark`, `x@pandas`) are two catalog entries over one dataset:
      // the writer's and the reader's path both have to be reachable.
      for (const name of new Set([ds.produced, ds.consumed])) {
        const location = unshared.get(name);
        if (location === undefined) continue;
        const found = findings.get(name) ?? {
          location,
          from: grouping.groups[from]!.name,
          to: new Set<string>(),
        };
        found.to.add(grouping.groups[to]!.name);
        findings.set(name, found);
      }
    }
  }
  if (findings.size === 0) return;
  const errors = [...findings.keys()].sort().map((name) => {
    const { location, from, to } = findings.get(name)!;
    const readers = [...to].map((t) => JSON.stringify(t)).join(", ");
    return new InputError(
      source,
      formatPath(["datasets", name, "location"]),
      `local path ${JSON.stringify(location.path)} is written by task ${JSON.stringify(from)} and read by ${to.size === 1 ? "task" : "tasks"} ${readers}, which share no disk with it; give the dataset a remote path (gs://...) in the deployment's Kedro env, declare its storage in run_config.shared_filesystems if every task mounts it, or make it a MemoryDataset so both nodes run in one task`,
    );
  });
  throw errors.length === 1 ? errors[0]! : new InputErrors(errors);
}

/** A local path as a comparable POSIX path: no `file://`, no `./`, no trailing slash. */
function normalise(p: string): string {
  const bare = p.replace(/^(file|local):\/\//, "");
  const norm = path.posix.normalize(bare.replace(/\\/g, "/"));
  return norm === "/" ? norm : norm.replace(/\/+$/, "");
}

function isUnderShared(location: DatasetLocation, shared: readonly string[]): boolean {
  const p = normalise(location.path);
  return shared.some(
    (prefix) =>
      // relative prefixes are relative to the project folder, as relative dataset paths are
      path.posix.isAbsolute(prefix) === path.posix.isAbsolute(p) &&
      (p === prefix || prefix === "/" || p.startsWith(`${prefix}/`) || prefix === "."),
  );
}
