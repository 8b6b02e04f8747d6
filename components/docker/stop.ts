// How a docker-host pod's containers stop when `pulumi destroy` or a replacement removes them: by the
// agent's own rules (agent/terminate.go), run once in a container of the agent's image
// (`podlab-agent stop`, from stop.sh), before Pulumi removes the containers:
//   - `<pod>-stop`, the whole pod: made after every container of the pod and replaced with the
//     sandbox, so its delete runs first when the pod ends (the kubelet's killPod: every preStop hook
//     at once, the app containers, then the sidecars in reverse order, within the pod's grace);
//   - `<pod>-<container>-pre-stop`, for each container with a preStop hook: replaced with that
//     container alone, so a replacement of one container (a rebuilt image) runs its hook before it
//     stops. When the whole pod ends, `<pod>-stop` has stopped the container already.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerSpec, PodSpec } from "../model/pod-spec";
import { agentPodConfig } from "./agent";
import { CgroupDriver } from "./cgroup";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "stop.sh"), "utf8");

/** What the stop needs to know: the pod, the agent's image and the host's cgroup driver. */
export interface StopArgs {
  spec: PodSpec;
  cgroupDriver: CgroupDriver;
  /** The agent's image, by ID: the stop runs `podlab-agent stop` from it. */
  agentImage: pulumi.Input<string>;
  target: DockerTarget;
}

/** stop.sh's environment: the pod's agent config, and the containers to stop (all when omitted). */
export function stopEnvironment(args: StopArgs, containers?: string[]): Record<string, pulumi.Input<string>> {
  return {
    PODLAB_POD: args.spec.name,
    PODLAB_PODS: JSON.stringify([agentPodConfig(args.spec, args.cgroupDriver)]),
    PODLAB_AGENT_IMAGE: args.agentImage,
    ...(containers ? { PODLAB_CONTAINERS: containers.join(",") } : {}),
  };
}

/** A command whose delete runs stop.sh with `environment`; create and update do nothing. */
function stopCommand(name: string, environment: Record<string, pulumi.Input<string>>, triggers: pulumi.Input<string>[], target: DockerTarget, opts: pulumi.CustomResourceOptions): HostCommand {
  const { environment: scriptEnv, ...actions } = scriptActions("stop.sh", SCRIPT, {});
  return hostCommand(name, { ...actions, environment: { ...environment, ...scriptEnv }, triggers }, target, opts);
}

/**
 * The pod's stop `<pod>-stop`: its delete stops every running container of the pod in the kubelet's
 * order. `containers` are the pod's containers and their pre-stop commands, which it is made after
 * (and so deleted before); the sandbox's ID is its trigger, so that the pod's replacement replaces
 * it first.
 */
export function podStopCommand(args: StopArgs, sandbox: docker.Container, containers: pulumi.Resource[], opts: pulumi.CustomResourceOptions): HostCommand {
  return stopCommand(`${args.spec.name}-stop`, stopEnvironment(args), [sandbox.id], args.target, { ...opts, deleteBeforeReplace: true, dependsOn: containers });
}

/**
 * The command `<pod>-<container>-pre-stop` that stops the container (its preStop hook first) when it
 * is deleted, or undefined when the container has no preStop hook. The container's ID is its
 * trigger, so that a replacement of the container replaces it first (Pulumi deletes, before a
 * resource it replaces delete-first, the dependents whose inputs read it).
 */
export function preStopCommand(args: StopArgs, c: ContainerSpec, container: docker.Container, opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  if (!c.lifecycle?.preStop) return undefined;
  return stopCommand(`${args.spec.name}-${c.name}-pre-stop`, stopEnvironment(args, [c.name]), [container.id], args.target,
    { deleteBeforeReplace: true, dependsOn: [container], ...opts });
}
