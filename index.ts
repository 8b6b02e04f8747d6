// podlab's Pulumi program. A stack with podlab:vm is the playground VM (playground/); every other
// stack makes the pods of its config on its platform (components/).
import * as pulumi from "@pulumi/pulumi";
import { PodSpecError } from "./components/model/validate";
import { ValidatorError } from "./components/model/validator";
import { stackPods } from "./components/stack";
import type { DockerHostConfig } from "./components/docker/target";

/** Bad config is the user's to fix: say what and where, without a stack trace. */
function userError(err: unknown): never {
  if (err instanceof PodSpecError) throw new pulumi.RunError(`invalid stack config: ${err.message}`);
  if (err instanceof ValidatorError) throw new pulumi.RunError(err.message);
  throw err;
}

/**
 * podlab:dockerHost {stack: NAME} reads the host from that playground stack's `dockerHost` output
 * (a StackReference in this project and organization), before any check of the host runs.
 */
async function resolveDockerHost(config: pulumi.Config): Promise<DockerHostConfig | undefined> {
  const value = config.getObject<DockerHostConfig>("dockerHost");
  if (value === undefined || typeof value !== "object" || value === null || !("stack" in value)) return undefined;
  const other = Object.keys(value).find((k) => k !== "stack");
  if (other !== undefined) {
    throw new PodSpecError(`podlab:dockerHost.${other}`, (value as Record<string, unknown>)[other], "cannot stand beside podlab:dockerHost.stack (give a stack alone, or url, identityFile and knownHostsFile)");
  }
  if (typeof value.stack !== "string" || !/^[A-Za-z0-9._-]+$/.test(value.stack)) {
    throw new PodSpecError("podlab:dockerHost.stack", value.stack, "is not a stack name");
  }
  const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${value.stack}`;
  let out: { value?: unknown };
  try {
    out = await new pulumi.StackReference(name).getOutputDetails("dockerHost");
  } catch (err) {
    throw new PodSpecError("podlab:dockerHost.stack", value.stack, `cannot be read (${name}): ${(err as Error).message.split("\n")[0]}; is it a stack of this project in this state backend? (npm run playground -- vm makes "playground")`);
  }
  if (!out.value) throw new PodSpecError("podlab:dockerHost.stack", value.stack, "has no dockerHost output: run its `pulumi up` first (npm run playground -- vm)");
  return out.value as DockerHostConfig;
}

export = async () => {
  const config = new pulumi.Config("podlab");
  try {
    if (config.getObject("vm") !== undefined) {
      const { playground } = await import("./playground/stack");
      return playground(config);
    }
    const pods = await stackPods(config, process.cwd(), await resolveDockerHost(config));
    /** Each pod's layout: containers, images, limits, namespaces shared, cgroup parent. */
    return { layouts: pods.layouts, ...(pods.dockerHost ? { dockerHost: pods.dockerHost } : {}) };
  } catch (err) {
    return userError(err);
  }
};
