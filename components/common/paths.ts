import * as fs from "node:fs";
import * as path from "node:path";

let cached: string | undefined;

/**
 * The folder of this package (where package.json, templates/ and python/ live), found by
 * walking up from this file, so it works from the sources (tests) and from dist/ alike.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "kedro-airflow-k8s") return (cached = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the kedro-airflow-k8s package above ${__dirname}`);
    dir = parent;
  }
}
