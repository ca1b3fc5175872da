import * as pulumi from "@pulumi/pulumi";

/** One resource the program registered, as the mock monitor saw it. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider: string | undefined;
}

/**
 * Installs Pulumi mocks that record every resource. In update mode the Composer environment
 * gets a known `config.dagGcsPrefix`; in preview mode it stays unknown, as on a first preview.
 */
export function installMocks(preview: boolean): Registered[] {
  const registered: Registered[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          provider: args.provider,
        });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "gcp:composer/environment:Environment" && !preview) {
          state["config"] = {
            ...(args.inputs["config"] as object),
            dagGcsPrefix: "gs://europe-west1-composer-abc-bucket/dags",
          };
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "kedro-airflow-k8s",
    "test",
    preview,
  );
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
