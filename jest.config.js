/** Jest runs the TypeScript tests through ts-jest without per-file type checking (the
 * isolated transpile keeps @pulumi/gcp's huge typings out of every test); `npm run typecheck`
 * type-checks the whole tree once instead. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  testTimeout: 120000,
};
