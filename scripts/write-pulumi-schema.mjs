/**
 * Writes docs/pulumi-package.schema.json: the package schema that Pulumi's component provider
 * host infers from the TypeScript args (the same ComponentProvider.getSchema() that
 * `pulumi package add` calls), formatted by Prettier. test/package.test.ts fails when the file
 * and the inferred schema differ.   usage: npm run schema (builds dist/ first)
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";

const require = createRequire(import.meta.url);
const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental/provider");
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const { KedroAirflowDeployment, KedroAirflowPipelines } = require(
  path.join(root, "dist", "components"),
);

const provider = new ComponentProvider({
  components: [KedroAirflowDeployment, KedroAirflowPipelines],
  dirname: root,
  name: "kedro-airflow-k8s",
});
const schema = JSON.parse(await provider.getSchema());
const file = path.join(root, "docs", "pulumi-package.schema.json");
fs.writeFileSync(file, await prettier.format(JSON.stringify(schema), { parser: "json" }));
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
