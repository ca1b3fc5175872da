/**
 * What the JavaScript that template-codegen.ts writes for a template calls at render time:
 * Handlebars' own semantics (4.7, `strict: true`, `noEscape: true`), re-stated for the few
 * constructs our templates use, so that rendering needs neither Handlebars' compiler nor its
 * runtime. Each rule below names the Handlebars source it follows
 * (node_modules/handlebars/dist/cjs/handlebars/...).
 */

type Ctx = unknown;
type Data = Record<string, unknown>;
type Program = (ctx: Ctx, data: Data) => string;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * runtime.js `lookupProperty` for a name the generated code knows: `value` is `parent[name]`,
 * read by the caller (template-codegen.ts writes one reader per name, so that each read site
 * sees the few shapes of the objects that have that name). Own properties only; an inherited
 * one is refused (undefined) by the default prototype-access rules. Reading a name of a null
 * parent throws, as in Handlebars.
 */
function own(parent: unknown, value: unknown, name: string): unknown {
  if (value === null || value === undefined) return value;
  return hasOwn.call(parent, name) ? value : undefined;
}

/** runtime.js `strict` and exception.js: a missing terminal name is an error with its place. */
function defined(parent: unknown, name: string, loc: string): void {
  if (!parent || !(name in (parent as object))) {
    throw new Error(`"${name}" not defined in ${String(parent)} - ${loc}`);
  }
}

/** runtime.js `lambda`: a function value is called with the context. */
function lambda(value: unknown, ctx: Ctx): unknown {
  return typeof value === "function" ? (value as (this: Ctx) => unknown).call(ctx) : value;
}

/** utils.js `isEmpty`. */
function isEmpty(value: unknown): boolean {
  return (!value && value !== 0) || (Array.isArray(value) && value.length === 0);
}

/** helpers/if.js (without includeZero): falsy, 0 and empty arrays take the else branch. */
function truthy(value: unknown, ctx: Ctx): boolean {
  const v = lambda(value, ctx);
  return !(!v || isEmpty(v));
}

/** helpers/with.js: the block with the value as context, unless it is empty. */
function withBlock(value: unknown, ctx: Ctx, data: Data, fn: Program, inverse: Program): string {
  const v = lambda(value, ctx);
  return isEmpty(v) ? inverse(ctx, data) : fn(v, data);
}

/**
 * helpers/each.js: arrays by index (holes skipped), iterables in order, objects by
 * Object.keys; @key, @index, @first, @last in a frame over the caller's data; the else block
 * when nothing was rendered.
 */
function each(value: unknown, ctx: Ctx, data: Data, fn: Program, inverse: Program): string {
  const context = lambda(value, ctx);
  // Most lists of a task are empty (policy, kwargs, secrets): no frame for them; only the
  // items see the frame, so making it later changes nothing.
  if (Array.isArray(context) && context.length === 0) return inverse(ctx, data);
  const frame: Data = { ...data, _parent: data };
  let ret = "";
  let i = 0;
  const run = (field: string | number, index: number, last: boolean, item: unknown): void => {
    frame["key"] = field;
    frame["index"] = index;
    frame["first"] = index === 0;
    frame["last"] = last;
    ret = ret + fn(item, frame);
  };
  if (context && typeof context === "object") {
    if (Array.isArray(context)) {
      for (const j = context.length; i < j; i++) {
        if (i in context) run(i, i, i === context.length - 1, context[i]);
      }
    } else if (typeof (context as Iterable<unknown>)[Symbol.iterator] === "function") {
      const items = [...(context as Iterable<unknown>)];
      for (; i < items.length; i++) run(i, i, i === items.length - 1, items[i]);
    } else {
      const keys = Object.keys(context);
      for (; i < keys.length; i++) {
        run(keys[i]!, i, i === keys.length - 1, (context as Record<string, unknown>)[keys[i]!]);
      }
    }
  }
  return i === 0 ? inverse(ctx, data) : ret;
}

/** An absent else block. */
function noop(): string {
  return "";
}

export interface TemplateRuntime {
  own: typeof own;
  defined: typeof defined;
  lambda: typeof lambda;
  truthy: typeof truthy;
  withBlock: typeof withBlock;
  each: typeof each;
  noop: typeof noop;
  helpers: Record<string, (...args: never[]) => unknown>;
}

export function templateRuntime(helpers: TemplateRuntime["helpers"]): TemplateRuntime {
  return { own, defined, lambda, truthy, withBlock, each, noop, helpers };
}
