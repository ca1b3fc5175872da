/**
 * The two bundles of `npm run build`, both made by esbuild from code already in the tree:
 *
 * - dist/cli.js, the `kedro-airflow-k8s` binary: the CLI's own modules (dist/components, as
 *   tsc wrote them) in one file. Node resolves, reads and compiles every module it loads, and
 *   a `plan` loads 30 of ours, a `compile` 60: one file instead cuts a fixed ~30 ms off every
 *   call (docs/performance.md). Packages from node_modules stay outside and load as usual,
 *   and so do the files a module finds at run time by path (the generated validators and
 *   templates): each bundled module that uses `__dirname` gets its own, the folder it was
 *   built into, so those paths are what they are unbundled.
 * - dist/vendor/yaml.js, the `yaml` package in one file (72 modules), with its licence beside
 *   it; components/config/load.ts loads it when it is there, else the package itself.
 *
 * usage: node scripts/bundle.mjs (after tsc)
 */
import { build } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
};

/** Gives each module that reads `__dirname` the folder it was built into (relative to the bundle). */
const ownDirname = {
  name: "own-dirname",
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, "utf8");
      if (!/\b__dirname\b/.test(source)) return { contents: source, loader: "js" };
      const rel = path.relative(dist, path.dirname(args.path)).split(path.sep).join("/");
      const own = `var __dirname = require("node:path").join(__bundleDirname, ${JSON.stringify(rel)});`;
      // After the "use strict" directive, which has to stay the module's first statement.
      const strict = '"use strict";';
      const contents = source.startsWith(strict)
        ? `${strict}${own}${source.slice(strict.length)}`
        : `${own}\n${source}`;
      return { contents, loader: "js" };
    });
  },
};

await build({
  ...common,
  stdin: {
    // The binary runs main() itself: inside the bundle, main.js's `require.main === module` is false.
    contents: `module.exports = require("./components/cli/main.js");\nif (require.main === module) module.exports.main();\n`,
    resolveDir: dist,
    sourcefile: "cli-entry.js",
  },
  outfile: path.join(dist, "cli.js"),
  packages: "external",
  banner: {
    js: "#!/usr/bin/env node\n// The kedro-airflow-k8s CLI: its modules from dist/components in one file, by scripts/bundle.mjs; do not edit.\nvar __bundleDirname = __dirname;",
  },
  plugins: [ownDirname],
});
fs.chmodSync(path.join(dist, "cli.js"), 0o755);

const yamlDir = path.join(root, "node_modules", "yaml");
const { version, license } = JSON.parse(
  fs.readFileSync(path.join(yamlDir, "package.json"), "utf8"),
);
fs.mkdirSync(path.join(dist, "vendor"), { recursive: true });
await build({
  ...common,
  entryPoints: [path.join(yamlDir, "dist", "index.js")],
  outfile: path.join(dist, "vendor", "yaml.js"),
  banner: {
    js: `// yaml ${version} (${license}; see yaml.LICENSE), bundled from node_modules by scripts/bundle.mjs; do not edit.`,
  },
});
fs.copyFileSync(path.join(yamlDir, "LICENSE"), path.join(dist, "vendor", "yaml.LICENSE"));
