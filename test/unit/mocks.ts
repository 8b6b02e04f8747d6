// Pulumi mocks that record every registered resource, so tests can assert on the resource graph.
// Import this module first: mocks must be in place before any component module is loaded.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  id: string;
}

export const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      const id = `${args.name}-id`;
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, id });
      const state: Record<string, any> = { ...args.inputs };
      if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.inputs.name}`;
      if (args.type === "command:local:Command") state.stdout = "created";
      return { id, state };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "podlab",
  "test",
  false,
);

/** The value of an Output, for assertions. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export const byName = (name: string) => registered.find((r) => r.name === name);
export const byTypeAndName = (type: string, name: string) => registered.find((r) => r.type === type && r.name === name);
