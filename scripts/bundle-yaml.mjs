/**
 * Bundles the `yaml` package into one file, dist/vendor/yaml.js, with its licence beside it
 * (part of `npm run build`). The package is 72 CommonJS modules, and Node resolves, reads and
 * compiles each one: loading it that way costs a CLI call that reads YAML more than all of
 * its own modules together. The bundle is the same code from node_modules, loaded as one
 * module (components/config/load.ts picks it when it is there).  usage: node scripts/bundle-yaml.mjs
 */
import { buildSync } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkgDir = path.join(root, "node_modules", "yaml");
const { version, license } = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const outDir = path.join(root, "dist", "vendor");
fs.mkdirSync(outDir, { recursive: true });
buildSync({
  entryPoints: [path.join(pkgDir, "dist", "index.js")],
  outfile: path.join(outDir, "yaml.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
  banner: {
    js: `// yaml ${version} (${license}; see yaml.LICENSE), bundled from node_modules by scripts/bundle-yaml.mjs; do not edit.`,
  },
});
fs.copyFileSync(path.join(pkgDir, "LICENSE"), path.join(outDir, "yaml.LICENSE"));
