import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      ".venvs/",
      "coverage/",
      "examples/",
      "python/",
      "templates/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // noUncheckedIndexedAccess types every indexed read as possibly undefined; graph code
      // indexes arrays by ids it built itself, and `!` states that guarantee where it holds.
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
