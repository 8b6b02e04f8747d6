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
 * and runs again whenever the sandbox or an init container is replaced (a new pod initializes anew).
 * The pod's Secret values reach it to be masked in the log lines a failure quotes (masks.ts).
 */
export function initCommand(args: AgentOnceArgs, timeoutSeconds: number, sandbox: docker.Container, inits: docker.Container[], opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  if (inits.length === 0) return undefined;
  const masks = secretMasks([args.spec]);
  const environment = agentOnceEnvironment(args, { create: "init" }, {
    PODLAB_TIMEOUT: `${timeoutSeconds}s`,
    ...(masks.length ? { PODLAB_MASK: pulumi.secret(masks.join("\n")) } : {}),
  });
  return agentOnceCommand(`${args.spec.name}-init`, environment, [sandbox.id, ...inits.map((c) => c.id)], args.target, { ...opts, dependsOn: inits });
}
