// The pod's init phase during `pulumi up`: the command `<pod>-init`, whose create runs the agent once
// (`podlab-agent init`, agent/initialize.go, through agent-once.ts) to run the init containers as the
// kubelet does, in order, sidecars started and awaited to their startup probe and postStart hook,
// before Pulumi makes any app container (they depend on it).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { AgentOnceArgs, agentOnceCommand, agentOnceEnvironment } from "./agent-once";
import { HostCommand } from "./host-command";
import { secretMasks } from "./masks";

/**
 * The gate `<pod>-init`, or undefined for a pod without init containers: it may take `timeoutSeconds`,
 * and runs again whenever Pulumi replaces the sandbox or an init container (a new pod initializes anew).
 * The pod's Secret values reach it to be masked in the log lines a failure quotes (masks.ts).
 */
export function initCommand(args: AgentOnceArgs, timeoutSeconds: number, sandbox: docker.Container, inits: docker.Container[], opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  if (inits.length === 0) return undefined;
  const masks = secretMasks([args.spec]);
  const environment = agentOnceEnvironment(args, { create: "init" }, {
    PODLAB_TIMEOUT: `${timeoutSeconds}s`,
    ...(masks.length ? { PODLAB_MASK: pulumi.secret(masks.join("\n")) } : {}),
  });
  // Replaced with them by Pulumi (replaceWith), not when the agent makes them again behind Pulumi's
  // back (new IDs a refresh adopts: the same pod).
  return agentOnceCommand(`${args.spec.name}-init`, environment, [], args.target, { ...opts, dependsOn: inits, replaceWith: [sandbox, ...inits] });
}
