import * as fs from "node:fs";
import * as path from "node:path";
import manifestSchema from "../../docs/manifest.schema.json";
import { InputError } from "../common/errors";
import { assertValid, compileSchema } from "../common/schema";
import type { DatasetInfo, DatasetLocation, Manifest, ManifestNode } from "./types";

const validateManifest = compileSchema("manifest", manifestSchema);

/** Reads and validates a manifest file. Throws InputError naming the file and the path. */
export function loadManifestFile(file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(
      file,
      "(file)",
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  return parseManifestText(text, file);
}

export function parseManifestText(text: string, source: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(source, "(top level)", `expected JSON (${(err as Error).message})`);
  }
  return normaliseManifest(data, source, true);
}

/**
 * Validates a manifest given as a plain value (parsed JSON, or an object from code) and
 * fills every default. `source` names it in error messages. `owned`: nothing else holds
 * `data` (it was just parsed), so its node objects and arrays are kept, the nodes' defaults
 * filled in place; a value from code is copied, so that later changes to it cannot reach the
 * plan.
 */
export function normaliseManifest(data: unknown, source: string, owned = false): Manifest {
  assertValid(validateManifest, data, source);
  // The schema guarantees the shapes below; only defaults are filled here.
  const raw = data as RawManifest;
  const list = owned ? (xs: string[]) => xs : (xs: string[]) => [...xs];
  const names = Object.keys(raw.datasets ?? {});
  let datasets: Record<string, DatasetInfo>;
  if (owned && raw.datasets !== undefined && isSorted(names)) {
    // The exporter writes the catalog by name: a just-parsed one is kept as it is.
    datasets = fillDatasetDefaults(raw.datasets, names);
  } else {
    datasets = {};
    for (const name of names.sort()) {
      const entry = raw.datasets![name]!;
      datasets[name] = {
        type: entry.type,
        classes: entry.classes ? list(entry.classes) : [],
        location: entry.location
          ? { ...entry.location, protocol: entry.location.protocol ?? null }
          : null,
      };
    }
  }
  return {
    schemaVersion: 1,
    project: {
      name: raw.project.name,
      package: raw.project.package ?? null,
      kedroVersion: raw.project.kedroVersion ?? null,
    },
    pipeline: raw.pipeline ?? "__default__",
    env: raw.env ?? null,
    nodes: owned
      ? fillNodeDefaults(raw.nodes)
      : raw.nodes.map((n): ManifestNode => ({
          name: n.name,
          func: n.func ?? null,
          namespace: n.namespace ?? null,
          inputs: list(n.inputs),
          outputs: list(n.outputs),
          tags: n.tags ? list(n.tags) : [],
          inputTypes: n.inputTypes ? list(n.inputTypes) : [],
          outputTypes: n.outputTypes ? list(n.outputTypes) : [],
        })),
    datasets,
    warnings: raw.warnings ? list(raw.warnings) : [],
    runConfig:
      raw.runConfig == null ? null : owned ? raw.runConfig : structuredClone(raw.runConfig),
  };
}

/**
 * The parsed nodes themselves, with the defaults the copy below writes. A copy of every node
 * of a just-parsed file left the parsed ones behind as garbage in the old generation (they
 * outlive the young one while JSON.parse runs): at 10,000 nodes that cost the collector
 * about 20 ms per compile. Fields a newer exporter writes stay on the objects, unread.
 */
function fillNodeDefaults(nodes: RawManifest["nodes"]): ManifestNode[] {
  for (let i = 0; i < nodes.length; i++) {
    // Indexed loops: unoptimised, a for...of allocates per step (docs/performance.md, sixth round).
    const n = nodes[i]!;
    if (n.func == null) n.func = null;
    if (n.namespace == null) n.namespace = null;
    if (n.tags == null) n.tags = [];
    if (n.inputTypes == null) n.inputTypes = [];
    if (n.outputTypes == null) n.outputTypes = [];
  }
  return nodes as ManifestNode[];
}

/** Whether `names` is in the order `Array.prototype.sort` gives (UTF-16 code units). */
function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

/** The parsed catalog itself, with the defaults the copy writes (see fillNodeDefaults; extra fields stay too). */
function fillDatasetDefaults(
  datasets: NonNullable<RawManifest["datasets"]>,
  names: readonly string[],
): Record<string, DatasetInfo> {
  for (let i = 0; i < names.length; i++) {
    const entry = datasets[names[i]!]!;
    if (entry.classes == null) entry.classes = [];
    if (entry.location == null) entry.location = null;
    else if (entry.location.protocol == null) entry.location.protocol = null;
  }
  return datasets as Record<string, DatasetInfo>;
}

interface RawManifest {
  project: { name: string; package?: string | null; kedroVersion?: string | null };
  pipeline?: string;
  env?: string | null;
  nodes: {
    name: string;
    func?: string | null;
    namespace?: string | null;
    inputs: string[];
    outputs: string[];
    tags?: string[];
    inputTypes?: string[];
    outputTypes?: string[];
  }[];
  datasets?: Record<
    string,
    {
      type: string;
      classes?: string[];
      // Absent in the file; null once filled in place.
      location?: (Omit<DatasetLocation, "protocol"> & { protocol?: string | null }) | null;
    }
  >;
  warnings?: string[];
  runConfig?: Record<string, unknown> | null;
}

/** One manifest of a set, with the file it came from. */
export interface ManifestFile {
  file: string;
  manifest: Manifest;
}

/**
 * `--manifest FILE` or `--manifest DIR` (what `manifest --all --out DIR` writes): one manifest,
 * or every `*.json` in the folder, sorted by file name. A set must hold one project's
 * pipelines, each once. Throws InputError naming the file.
 */
export function loadManifestSet(fileOrFolder: string): ManifestFile[] {
  let isFolder = false;
  try {
    isFolder = fs.statSync(fileOrFolder).isDirectory();
  } catch {
    // not there: loadManifestFile names it below
  }
  if (!isFolder) return [{ file: fileOrFolder, manifest: loadManifestFile(fileOrFolder) }];
  const files = fs
    .readdirSync(fileOrFolder)
    .filter((name) => name.endsWith(".json") && !name.startsWith("."))
    .sort()
    .map((name) => path.join(fileOrFolder, name));
  if (files.length === 0) {
    throw new InputError(
      fileOrFolder,
      "(folder)",
      "expected manifest files (*.json, as `manifest --all --out DIR` writes them), found none",
    );
  }
  const set = files.map((file) => ({ file, manifest: loadManifestFile(file) }));
  checkManifestSet(set, "folder");
  return set;
}

/**
 * A set of manifests deploys together: one project, each pipeline once. `scope` names what
 * holds them in the message (a manifest folder, or a component's `manifests`).
 */
export function checkManifestSet(
  set: readonly ManifestFile[],
  scope: "folder" | "component",
): void {
  const first = set[0];
  if (first === undefined) return;
  const byPipeline = new Map<string, string>();
  for (const { file, manifest } of set) {
    if (manifest.project.name !== first.manifest.project.name) {
      throw new InputError(
        file,
        "project.name",
        `expected ${JSON.stringify(first.manifest.project.name)} as in ${first.file} (one project per ${scope}), got ${JSON.stringify(manifest.project.name)}`,
      );
    }
    const other = byPipeline.get(manifest.pipeline);
    if (other !== undefined) {
      throw new InputError(
        file,
        "pipeline",
        `pipeline ${JSON.stringify(manifest.pipeline)} is also in ${other}; each pipeline once`,
      );
    }
    byPipeline.set(manifest.pipeline, file);
  }
}
