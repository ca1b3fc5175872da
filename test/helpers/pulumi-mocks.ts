import * as pulumi from "@pulumi/pulumi";
// The SDK's own mock monitor, extended below to record the resource options of each request.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as {
  MockMonitor: new (mocks: pulumi.runtime.Mocks) => {
    registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): void;
    newUrn(parent: string, type: string, name: string): string;
  };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getStore } = require("@pulumi/pulumi/runtime/state") as {
  getStore(): Record<string, unknown>;
};

/** The parts of a RegisterResourceRequest (the gRPC message) that the tests read. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getAliasesList(): {
    getUrn(): string;
    getSpec(): { getName(): string; getParenturn(): string } | undefined;
  }[];
  getAliasurnsList(): string[];
}

/** The resource options a request carried, as the engine would receive them. */
export interface RecordedOptions {
  parent: string;
  /** URNs of the resources this one waits for (dependsOn and input dependencies). */
  dependencies: string[];
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  /** Alias specs by name (what the SDK sends when the engine computes child aliases). */
  aliasNames: string[];
  /** Alias URNs (what the SDK computes itself when the engine takes no alias specs). */
  aliasUrns: string[];
}

/** One resource the program registered, as the mock monitor saw it. */
export interface Registered {
  type: string;
  name: string;
  urn: string;
  /** The inputs, secrets unwrapped (see `secrets`). */
  inputs: Record<string, unknown>;
  /** Top-level inputs that arrived as secrets. */
  secrets: string[];
  provider: string | undefined;
  options: RecordedOptions;
}

export interface MockSetup {
  preview?: boolean;
  project?: string;
  stack?: string;
  organization?: string;
  /** false: the SDK computes child aliases itself, as it does for engines without alias specs. */
  aliasSpecs?: boolean;
  /** Changes the state a resource reports back, e.g. to tell outputs from inputs. */
  state?: (type: string, state: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * Installs Pulumi mocks that record every resource and the options it was registered with.
 * In update mode the Composer environment (and getEnvironment) reports a DAG folder; in
 * preview mode the environment's stays unknown, as on a first preview.
 */
export function installMocks(setup: boolean | MockSetup = false): Registered[] {
  const {
    preview = false,
    project = "kedro-airflow-k8s",
    stack = "test",
    organization = "",
    state: changeState = (_type: string, s: Record<string, unknown>) => s,
  }: MockSetup = typeof setup === "boolean" ? { preview: setup } : setup;
  const registered: Registered[] = [];
  let pending: { req: RegisterRequest; urn: string } | undefined;
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      const { req, urn } = pending!;
      const parent = req.getParent();
      const raw = args.inputs as Record<string, unknown>;
      const inputs = Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k, pulumi.runtime.unwrapRpcSecret(v)]),
      );
      registered.push({
        type: args.type,
        name: args.name,
        urn,
        inputs,
        secrets: Object.keys(raw).filter((k) => pulumi.runtime.isRpcSecret(raw[k])),
        provider: args.provider,
        options: {
          parent,
          dependencies: req.getDependenciesList(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          retainOnDelete: req.getRetainondelete(),
          ignoreChanges: req.getIgnorechangesList(),
          aliasNames: req
            .getAliasesList()
            .map((a) => a.getSpec()?.getName() ?? "")
            .filter((n) => n !== ""),
          aliasUrns: [
            ...req.getAliasurnsList(),
            ...req
              .getAliasesList()
              .map((a) => a.getUrn())
              .filter((u) => u !== ""),
          ],
        },
      });
      const state: Record<string, unknown> = { ...inputs };
      if (args.type === "gcp:composer/environment:Environment" && !preview) {
        state["config"] = {
          ...(inputs["config"] as object),
          dagGcsPrefix: "gs://europe-west1-composer-abc-bucket/dags",
        };
      }
      return { id: `${args.name}-id`, state: changeState(args.type, state) };
    },
    call(args) {
      if (args.token === "gcp:composer/getEnvironment:getEnvironment") {
        return {
          ...args.inputs,
          configs: [{ dagGcsPrefix: "gs://europe-west1-composer-existing-bucket/dags" }],
        };
      }
      return args.inputs;
    },
  };
  class RecordingMonitor extends MockMonitor {
    override registerResource(
      req: RegisterRequest,
      callback: (err: unknown, res: unknown) => void,
    ): void {
      // MockMonitor calls newResource synchronously, before its first await.
      pending = { req, urn: this.newUrn(req.getParent(), req.getType(), req.getName()) };
      super.registerResource(req, callback);
    }
  }
  // setMocks with the recording monitor: setMockOptions resets the engine feature flags, so
  // they are set again exactly as setMocks sets them.
  pulumi.runtime.setMockOptions(new RecordingMonitor(mocks), project, stack, preview, organization);
  Object.assign(getStore(), {
    supportsSecrets: true,
    supportsResourceReferences: true,
    supportsOutputValues: false,
    supportsDeletedWith: true,
    supportsReplaceWith: true,
    supportsAliasSpecs: typeof setup === "boolean" || setup.aliasSpecs !== false,
    supportsTransforms: false,
    supportsParameterization: true,
    supportsResourceHooks: true,
    supportsErrorHooks: true,
  });
  return registered;
}

/** The value of an Output (resolves to undefined if it stays unknown, as in preview). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const inner = (output as any).promise ? (output as any).promise(true) : undefined;
    if (inner) inner.then(resolve, () => resolve(undefined));
    else output.apply((v) => resolve(v));
  });
}

/** Waits until registrations settle: the mock monitor answers asynchronously. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** A resource's inputs with asset texts and paths awaited, for deep comparisons. */
export async function resolvedInputs(r: Registered): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(r.inputs)) {
    const asset = value as { text?: Promise<string>; path?: Promise<string> } | null;
    out[key] =
      asset !== null && typeof asset === "object" && ("text" in asset || "path" in asset)
        ? { text: await asset.text, path: await asset.path }
        : value;
  }
  return out;
}
