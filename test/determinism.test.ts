/**
 * `compile` gives byte-identical trees (archive included) whatever the time zone, umask,
 * working directory or key order of the inputs; the component gives identical asset hashes.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "dist", "components", "cli", "main.js");
const EXAMPLE = path.join(ROOT, "examples", "spaceflights_spark");

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-determinism-"))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Reverses the key order of every object, recursively (arrays keep their order: it means something). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else
        out[path.relative(dir, full)] = crypto
          .createHash("sha256")
          .update(fs.readFileSync(full))
          .digest("hex");
    }
  };
  walk(dir);
  return out;
}

function compileIn(opts: {
  tz: string;
  umask: string;
  cwd: string;
  manifest: string;
  config: string;
  out: string;
}) {
  const script = `umask ${opts.umask}; exec "${process.execPath}" "${BIN}" compile --manifest "${opts.manifest}" --config "${opts.config}" --project "${EXAMPLE}" --out "${opts.out}"`;
  const r = spawnSync("bash", ["-c", script], {
    cwd: opts.cwd,
    env: { ...process.env, TZ: opts.tz, LC_ALL: "C" },
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return digestTree(opts.out);
}

describe("determinism", () => {
  it("compiles byte-identical trees under other TZ, umask, cwd and key order", () => {
    const manifest = path.join(EXAMPLE, "manifest.json");
    const config = path.join(EXAMPLE, "conf", "base", "airflow-k8s.yaml");
    // The same inputs with every object's keys in reverse order, in another folder.
    const shuffled = path.join(tmp, "shuffled", "conf", "base");
    fs.mkdirSync(shuffled, { recursive: true });
    const manifest2 = path.join(tmp, "shuffled", "manifest.json");
    fs.writeFileSync(
      manifest2,
      JSON.stringify(reverseKeys(JSON.parse(fs.readFileSync(manifest, "utf8")))),
    );
    const config2 = path.join(shuffled, "airflow-k8s.yaml");
    fs.writeFileSync(
      config2,
      YAML.stringify(reverseKeys(YAML.parse(fs.readFileSync(config, "utf8")))),
    );

    const a = compileIn({
      tz: "UTC",
      umask: "022",
      cwd: ROOT,
      manifest,
      config,
      out: path.join(tmp, "a"),
    });
    const b = compileIn({
      tz: "Pacific/Kiritimati",
      umask: "077",
      cwd: os.tmpdir(),
      manifest: manifest2,
      config: config2,
      out: path.join(tmp, "b"),
    });
    expect(Object.keys(a).some((f) => f.endsWith(".tar.gz"))).toBe(true);
    expect(b).toEqual(a);
  });
});
