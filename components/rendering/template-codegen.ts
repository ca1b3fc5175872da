import type {} from "handlebars"; // the global hbs.AST types

/**
 * Turns a parsed Handlebars template (`Handlebars.parse`: whitespace control already applied)
 * into the source of a plain JavaScript function, run with template-runtime.ts. Handlebars'
 * runtime goes through a helper wrapper, an options object and a checked property lookup for
 * every `{{#if}}` and value; at 10,000 nodes that was most of the render time of a `compile`.
 * The code written here does the same lookups and tests (see template-runtime.ts), without them.
 *
 * Only the constructs our templates use are translated: text, `{{path}}` values, our own
 * helpers with literal or path arguments, `#if`/`else`/`else if`, `#unless`, `#each`, `#with`
 * and `#eachFlat`, `this` and `@data` paths. Anything else (partials, `../`, hashes, block
 * params, sub-expressions, other helpers) throws UnsupportedTemplate, and the caller runs that
 * template with Handlebars itself.
 */
export class UnsupportedTemplate extends Error {}

const BUILTIN_HELPERS = new Set([
  "if",
  "unless",
  "each",
  "with",
  "lookup",
  "log",
  "helperMissing",
  "blockHelperMissing",
]);

export function templateToJs(ast: hbs.AST.Program, helperNames: readonly string[]): string {
  const helpers = new Set(helperNames);
  const programs: string[] = [];
  let counter = 0;

  const unsupported = (node: hbs.AST.Node, what: string): never => {
    const at = node.loc ? ` at ${node.loc.start.line}:${node.loc.start.column}` : "";
    throw new UnsupportedTemplate(`${what}${at}`);
  };
  const locOf = (node: hbs.AST.Node): string =>
    node.loc ? `${node.loc.start.line}:${node.loc.start.column}` : "";

  /** One name that is neither scoped (`this.x`), nor data, nor `../` (ast.js `simpleId`). */
  const simpleName = (path: hbs.AST.PathExpression): string | null =>
    path.parts.length === 1 && !path.data && path.depth === 0 && !/^\.|this\b/.test(path.original)
      ? path.parts[0]!
      : null;

  /** A path as Handlebars' strict mode reads it (javascript-compiler.js `strictLookup`). */
  const pathJs = (path: hbs.AST.PathExpression, requireTerminal: boolean): string => {
    if (path.depth !== 0) unsupported(path, "a ../ path");
    let js = path.data ? "data" : "ctx";
    const parts = path.parts;
    if (parts.length === 0) {
      if (requireTerminal) unsupported(path, "{{this}} as a value");
      return js;
    }
    const last = requireTerminal ? parts.length - 1 : parts.length;
    for (let i = 0; i < last; i++) js = `${getter(parts[i]!, false)}(${js})`;
    if (requireTerminal) {
      js = `${getter(parts[last]!, true)}(${js}, ${JSON.stringify(locOf(path))})`;
    }
    return js;
  };

  // One small function per name the template reads (`get` and `strict` of the runtime for
  // that name): the property is read at its own site, which sees the few shapes of the
  // objects that have it, where one shared `get` saw every shape of every view (megamorphic).
  const getters = new Map<string, string>();
  const getterCode: string[] = [];
  const getter = (name: string, isStrict: boolean): string => {
    const key = `${isStrict ? "s" : "g"}:${name}`;
    let fn = getters.get(key);
    if (fn === undefined) {
      fn = `${isStrict ? "s" : "g"}${getters.size}`;
      getters.set(key, fn);
      const literal = JSON.stringify(name);
      getterCode.push(
        isStrict
          ? `function ${fn}(o, loc) { defined(o, ${literal}, loc); return own(o, o[${literal}], ${literal}); }\n`
          : `function ${fn}(o) { return own(o, o[${literal}], ${literal}); }\n`,
      );
    }
    return fn;
  };

  const exprJs = (node: hbs.AST.Expression): string => {
    switch (node.type) {
      case "PathExpression":
        return pathJs(node as hbs.AST.PathExpression, false);
      case "StringLiteral":
        return JSON.stringify((node as hbs.AST.StringLiteral).value);
      case "NumberLiteral":
        return String((node as hbs.AST.NumberLiteral).value);
      case "BooleanLiteral":
        return String((node as hbs.AST.BooleanLiteral).value);
      case "UndefinedLiteral":
        return "undefined";
      case "NullLiteral":
        return "null";
      default:
        return unsupported(node, `a ${node.type}`);
    }
  };

  const hasHash = (node: { hash?: hbs.AST.Hash }): boolean =>
    node.hash !== undefined && node.hash.pairs.length > 0;

  /** Appends a value: null and undefined write nothing (javascript-compiler.js `append`). */
  const append = (js: string): string => {
    const v = `v${counter++}`;
    return `{ const ${v} = ${js}; if (${v} != null) out += ${v}; }\n`;
  };

  const mustache = (node: hbs.AST.MustacheStatement): string => {
    if (node.path.type !== "PathExpression") return unsupported(node, "a literal mustache");
    const path = node.path as hbs.AST.PathExpression;
    if (hasHash(node)) unsupported(node, "hash arguments");
    if (node.params.length > 0) {
      const name = simpleName(path);
      if (name === null || !helpers.has(name)) unsupported(node, `the helper ${path.original}`);
      const args = ["ctx", ...node.params.map(exprJs)].join(", ");
      return append(`helpers[${JSON.stringify(name)}].call(${args})`);
    }
    const name = simpleName(path);
    if (name !== null && (helpers.has(name) || BUILTIN_HELPERS.has(name))) {
      unsupported(node, `the helper ${name} without arguments`);
    }
    return append(`lambda(${pathJs(path, true)}, ctx)`);
  };

  /** A block's program as a named function of (ctx, data); its name. */
  const programFn = (program: hbs.AST.Program | undefined): string => {
    if (!program) return "noop";
    if (program.blockParams && program.blockParams.length > 0) unsupported(program, "block params");
    const index = programs.length;
    programs.push(""); // the slot is taken now: nested programs are numbered after it
    const body = statements(program.body);
    programs[index] = `function p${index}(ctx, data) {\nlet out = "";\n${body}return out;\n}\n`;
    return `p${index}`;
  };

  const block = (node: hbs.AST.BlockStatement): string => {
    const name = simpleName(node.path);
    if (name === null) return unsupported(node, `the block ${node.path.original}`);
    if (hasHash(node)) unsupported(node, "hash arguments");
    if (node.params.length !== 1) unsupported(node, `#${name} without exactly one argument`);
    const arg = exprJs(node.params[0]!);
    const inline = (program: hbs.AST.Program | undefined): string => {
      if (!program) return "";
      if (program.blockParams && program.blockParams.length > 0) {
        unsupported(program, "block params");
      }
      return statements(program.body);
    };
    switch (name) {
      case "if":
      case "unless": {
        // Same context and data in both branches (helpers/if.js, unless.js): written inline.
        const test = name === "if" ? `truthy(${arg}, ctx)` : `!truthy(${arg}, ctx)`;
        const otherwise = inline(node.inverse);
        return `if (${test}) {\n${inline(node.program)}}${otherwise === "" ? "" : ` else {\n${otherwise}}`}\n`;
      }
      case "with":
        return `out += withBlock(${arg}, ctx, data, ${programFn(node.program)}, ${programFn(node.inverse)});\n`;
      case "each":
        return `out += each(${arg}, ctx, data, ${programFn(node.program)}, ${programFn(node.inverse)});\n`;
      default: {
        if (!helpers.has(name)) return unsupported(node, `the block helper ${name}`);
        // Our own block helper: options.fn/inverse keep the caller's data (runtime.js `program`).
        const fn = programFn(node.program);
        const inverse = programFn(node.inverse);
        return append(
          `helpers[${JSON.stringify(name)}].call(ctx, ${arg}, { fn: (c) => ${fn}(c, data), inverse: (c) => ${inverse}(c, data), hash: {}, data })`,
        );
      }
    }
  };

  function statements(body: readonly hbs.AST.Statement[]): string {
    let js = "";
    for (const node of body) {
      switch (node.type) {
        case "ContentStatement": {
          const value = (node as hbs.AST.ContentStatement).value;
          if (value !== "") js += `out += ${JSON.stringify(value)};\n`;
          break;
        }
        case "CommentStatement":
          break;
        case "MustacheStatement":
          js += mustache(node as hbs.AST.MustacheStatement);
          break;
        case "BlockStatement":
          js += block(node as hbs.AST.BlockStatement);
          break;
        default:
          unsupported(node, `a ${node.type}`);
      }
    }
    return js;
  }

  const main = programFn(ast);
  return (
    `"use strict";\n` +
    `const { own, defined, lambda, truthy, withBlock, each, noop, helpers } = rt;\n` +
    getterCode.join("") +
    programs.join("") +
    `return (view) => ${main}(view, { root: view });\n`
  );
}
