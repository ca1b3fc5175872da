/**
 * Airflow Assets (Airflow 3; Datasets on 2.x) for the generated DAG: every task's persisted
 * outputs become its `outlets`, its reads of data that another DAG of the same deployment
 * produces become `inlets`, and `run_config.schedule.assets` names upstream Assets that trigger
 * the DAG. Pure functions of the manifest, the plan and the run config.
 *
 * A URI is written already in the form Airflow normalises it to (`_sanitize_uri` in
 * airflow/sdk/definitions/asset/__init__.py on 3.x, airflow/datasets/__init__.py on 2.11: scheme
 * lower-cased, user info dropped, trailing slashes removed, an empty path made `/`, query sorted,
 * fragment dropped, then the provider's handler, e.g. the google provider's
 * `assets/gcs.py: sanitize_uri` wants a bucket). `Asset(uri)` takes its name from the URI as
 * given, so a URI written any other way would make an Asset whose name differs from its URI.
 */
import { InputError } from "../common/errors";
import { MAX_ASSET_URI } from "../config/schedule";
import type { AssetSchedule, RunConfig } from "../config/types";
import {
  baseDatasetName,
  isParameter,
  type DatasetLocation,
  type Manifest,
} from "../manifest/types";
import type { Plan, PlanGroup } from "../planning/plan";
import { pyString } from "./literals";

/**
 * The storage protocols (fsspec's names, as the exporter reports them) whose paths every task
 * and every DAG reaches alike, and the one scheme each becomes: `gcs` is gcsfs's other name for
 * `gs`, `s3a`/`s3n` are Hadoop's names for S3. Other protocols (http, memory, ftp, Azure's
 * `abfs://container@account`, whose container Airflow 2.11 would drop as user info) get none.
 */
const STORAGE_SCHEMES: Readonly<Record<string, string>> = {
  gs: "gs",
  gcs: "gs",
  s3: "s3",
  s3a: "s3",
  s3n: "s3",
  hdfs: "hdfs",
};

/**
 * The Asset URI of a dataset's location, or null when it has none: local paths (no other task
 * or DAG sees them), tables (the manifest names no database or project, and `bigquery://`
 * needs project, dataset and table), protocols outside STORAGE_SCHEMES, and paths Airflow
 * would not keep as they are (non-ASCII, which 2.11 refuses; `?` or `#`; no bucket or host).
 */
export function assetUriOf(location: DatasetLocation | null | undefined): string | null {
  if (!location || location.local || location.protocol === null) return null;
  const scheme = STORAGE_SCHEMES[location.protocol.toLowerCase()];
  if (scheme === undefined) return null;
  const sep = location.path.indexOf("://");
  if (sep === -1) return null;
  const rest = location.path.slice(sep + 3);
  // Printable ASCII only; `?`, `#` and `@` would be read as query, fragment and user info.
  if (!/^[\x20-\x7e]*$/.test(rest) || /[?#@\\]/.test(rest)) return null;
  const slash = rest.indexOf("/");
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  if (host === "" || /\s/.test(host)) return null;
  // Airflow strips trailing slashes (a partitioned folder `gs://b/dir/` is `gs://b/dir`).
  const uri = `${scheme}://${host}${path.replace(/\/+$/, "") || "/"}`;
  return uri.length <= MAX_ASSET_URI ? uri : null;
}

/**
 * Asset URI by dataset name (transcoding stripped). The entries of one transcoded dataset
 * (`x@spark`, `x@pandas`) are one Asset: the URI of the first of them by name that has one,
 * so a writer of `x@spark` and a reader of `x@pandas` name the same Asset.
 */
export function datasetAssetUris(manifest: Manifest): Map<string, string> {
  // Only the entries that have a URI are sorted (most datasets have none).
  const withUri: [string, string][] = [];
  const names = Object.keys(manifest.datasets);
  for (let i = 0; i < names.length; i++) {
    // Indexed loops: unoptimised, a for...of allocates per step (docs/performance.md, sixth round).
    const name = names[i]!;
    const uri = assetUriOf(manifest.datasets[name]!.location);
    if (uri !== null) withUri.push([name, uri]);
  }
  withUri.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const uris = new Map<string, string>();
  for (const [name, uri] of withUri) {
    const base = baseDatasetName(name);
    if (!uris.has(base)) uris.set(base, uri);
  }
  return uris;
}

/** The Asset URIs a pipeline's nodes write. */
export function producedAssetUris(manifest: Manifest): Set<string> {
  const uris = datasetAssetUris(manifest);
  const produced = new Set<string>();
  for (const node of manifest.nodes) {
    for (const out of node.outputs) {
      const uri = uris.get(baseDatasetName(out));
      if (uri !== undefined) produced.add(uri);
    }
  }
  return produced;
}

/**
 * What other DAGs of the deployment produce and this pipeline only reads: the URIs that become
 * inlets. `peers` are the other manifests compiled or deployed together with this one.
 */
export function peerAssetUris(manifest: Manifest, peers: readonly Manifest[]): Set<string> {
  if (peers.length === 0) return new Set();
  const own = producedAssetUris(manifest);
  const fromPeers = new Set<string>();
  for (const peer of peers) {
    // The manifest itself may be in the set it was compiled with.
    if (peer.project.name === manifest.project.name && peer.pipeline === manifest.pipeline) {
      continue;
    }
    for (const uri of producedAssetUris(peer)) if (!own.has(uri)) fromPeers.add(uri);
  }
  return fromPeers;
}

export interface TaskAssets {
  readonly outlets: readonly string[];
  readonly inlets: readonly string[];
}

/** A task without Assets (shared, so read-only). */
const NO_ASSETS: TaskAssets = Object.freeze({
  outlets: Object.freeze([]),
  inlets: Object.freeze([]),
});

/**
 * Every group's outlets and inlets (sorted URIs), by plan group index; empty when assets are
 * off. (By index, not by name: a map keyed by 7,500 group names cost more than the walk.)
 */
export function planAssets(
  manifest: Manifest,
  plan: Plan,
  config: RunConfig,
  peers: readonly Manifest[],
): readonly TaskAssets[] {
  if (!config.assets) return [];
  const uris = datasetAssetUris(manifest);
  // No dataset has an Asset URI: every task has no outlets and no inlets, so no node walk.
  if (uris.size === 0) return new Array<TaskAssets>(plan.groups.length).fill(NO_ASSETS);
  const external = peerAssetUris(manifest, peers);
  const nodes = new Map(manifest.nodes.map((n) => [n.name, n]));
  return plan.groups.map((group) => groupAssets(group, nodes, uris, external));
}

function groupAssets(
  group: PlanGroup,
  nodes: Map<string, Manifest["nodes"][number]>,
  uris: Map<string, string>,
  external: Set<string>,
): TaskAssets {
  const outlets = new Set<string>();
  const inlets = new Set<string>();
  for (const name of group.nodes) {
    const node = nodes.get(name);
    if (node === undefined) continue;
    for (const out of node.outputs) {
      const uri = uris.get(baseDatasetName(out));
      if (uri !== undefined) outlets.add(uri);
    }
    for (const input of node.inputs) {
      if (isParameter(input)) continue;
      const uri = uris.get(baseDatasetName(input));
      if (uri !== undefined && external.has(uri)) inlets.add(uri);
    }
  }
  return { outlets: [...outlets].sort(), inlets: [...inlets].sort() };
}

/**
 * The `outlets=`/`inlets=` keyword arguments of one operator, as Python source lines (no
 * indent; `Asset` is Airflow 3's, or 2.x's Dataset imported under that name), or null.
 */
export function assetArguments(assets: TaskAssets | undefined): string | null {
  if (assets === undefined || (assets.outlets.length === 0 && assets.inlets.length === 0)) {
    return null;
  }
  const lines: string[] = [];
  for (const [key, list] of [
    ["outlets", assets.outlets],
    ["inlets", assets.inlets],
  ] as const) {
    if (list.length === 0) continue;
    lines.push(`${key}=[`, ...list.map((uri) => `    Asset(${pyString(uri)}),`), "],");
  }
  return lines.length === 0 ? null : lines.join("\n");
}

/** The DAG's `schedule=` value for an asset schedule, as Python source. */
export function assetScheduleSource(schedule: AssetSchedule): string {
  const assets = schedule.uris.map((uri) => `Asset(${pyString(uri)})`);
  // A list means all of them (Airflow's AssetAll); `|` builds AssetAny (DatasetAny, 2.9+).
  return schedule.when === "all" || assets.length === 1
    ? `[${assets.join(", ")}]`
    : `(${assets.join(" | ")})`;
}

/** Refuses an asset schedule that names one of this DAG's own outlets (it would trigger itself). */
export function checkScheduleNotSelf(
  schedule: AssetSchedule | null,
  plan: Plan,
  assets: readonly TaskAssets[],
  source: string,
): void {
  if (schedule === null) return;
  for (let g = 0; g < assets.length; g++) {
    const group = plan.groups[g]!.name;
    const { outlets } = assets[g]!;
    const index = schedule.uris.findIndex((uri) => outlets.includes(uri));
    if (index !== -1) {
      throw new InputError(
        source,
        `run_config.schedule.assets[${index}]`,
        `${JSON.stringify(schedule.uris[index])} is written by this DAG's own task for group ${JSON.stringify(group)}, so the DAG would trigger itself; name upstream Assets only`,
      );
    }
  }
}
