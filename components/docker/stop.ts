// How a docker-host pod's containers stop when `pulumi destroy` or a replacement removes them: by the
// agent's own rules (agent/terminate.go), run once in a container of the agent's image
// (`podlab-agent stop`, agent-once.ts), before Pulumi removes the containers:
//   - `<pod>-stop`, the whole pod: made after every container of the pod and replaced with the
//     sandbox (replaceWith), so its delete runs first when the pod ends (the kubelet's killPod: every preStop hook
//     at once, the app containers, then the sidecars in reverse order, within the pod's grace);
//   - `<pod>-<container>-pre-stop`, for each container with a preStop hook: replaced with that
//     container alone, so a replacement of one container (a rebuilt image) runs its hook before it
//     stops. When the whole pod ends, `<pod>-stop` has stopped the container already.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../model/pod-spec";
import { AgentOnceArgs, agentOnceCommand, agentOnceEnvironment } from "./agent-once";
import { HostCommand } from "./host-command";

/**
 * The pod's stop `<pod>-stop`: its delete stops every running container of the pod in the kubelet's
 * order. `containers` are the pod's containers and `preStops` their pre-stop commands, which it is made
 * after (and so deleted before, on destroy); `pod` is what replaces the whole pod (the sandbox, and what
 * the containers are replaced with: cgroup, env files), with which it is replaced, deleted first.
 * Pulumi orders the deletes of one replacement as it pleases: the stop runs before the containers'
 * deletes or after (then it finds them gone), and never stops a newer pod's containers (agent-once.sh:
 * it stops only containers made before its last create or update). It is not replaced when the agent makes the sandbox again
 * behind Pulumi's back (a new ID that a refresh adopts: the same Pod, as to the kubelet).
 */
export function podStopCommand(args: AgentOnceArgs, pod: pulumi.Resource[], containers: docker.Container[], preStops: pulumi.Resource[], opts: pulumi.CustomResourceOptions): HostCommand {
  // The containers' images, as the containers report them: a container replaced alone (its image
  // changed in place) updates the stop once the new container exists, and the update's time is the
  // one its delete compares with. Not their IDs: a container the agent made again behind Pulumi's back
  // (a refresh adopts its ID) is no change to the pod.
  const environment = agentOnceEnvironment(args, { delete: "stop" }, { PODLAB_MADE_AFTER: pulumi.all(containers.map((c) => c.image)).apply((images) => images.join(",")) });
  return agentOnceCommand(`${args.spec.name}-stop`, environment, [], args.target,
    { ...opts, deleteBeforeReplace: true, dependsOn: [...containers, ...preStops], replaceWith: pod });
}

/**
 * The command `<pod>-<container>-pre-stop` that stops the container (its preStop hook first) when it
 * is deleted, or undefined when the container has no preStop hook. The container's ID is its
 * trigger, so that a replacement of the container replaces it first (Pulumi deletes, before a
 * resource it replaces delete-first, the dependents whose inputs read it).
 */
export function preStopCommand(args: AgentOnceArgs, c: ContainerSpec, container: docker.Container, opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  if (!c.lifecycle?.preStop) return undefined;
  return agentOnceCommand(`${args.spec.name}-${c.name}-pre-stop`, agentOnceEnvironment(args, { delete: "stop" }, { PODLAB_CONTAINERS: c.name }), [container.id], args.target,
    { deleteBeforeReplace: true, dependsOn: [container], ...opts });
}
