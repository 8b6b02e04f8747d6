// The pod's agent and its readiness gate. On a Docker host nothing else keeps a pod whole between two
// `pulumi up`s: Docker's restart policies restart containers one by one, in no order, and never move
// a member into a restarted sandbox's new namespaces. The agent (agent/, image podlab/agent) does what
// the kubelet does for a Pod: it starts members again inside the sandbox's current namespaces when the
// sandbox dies, restarts or is removed, and applies the pod's restartPolicy with the kubelet's
// crash-loop back-off. Docker's own restart policy ("always") keeps the agent itself running.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LABEL_AGENT_OF, LABEL_ROLE } from "../model/labels";
import { PodSpec } from "../model/pod-spec";
import { CgroupDriver, cgroupParent } from "./cgroup";
import { HostCommandArgs } from "./host-command";
import { POD_LIMITS_DIR } from "./paths";

/** Where the agent reaches the engine, inside its container. */
export const DOCKER_SOCKET = "/var/run/docker.sock";

/**
 * Where the agent sees the host's cgroup mount (read-write: it restores the pod-level limits of a pod
 * cgroup that came back without them, as the kubelet's pod container manager keeps them).
 */
export const AGENT_HOST_CGROUP = "/host/sys/fs/cgroup";

const WAIT_SCRIPT = readFileSync(join(__dirname, "wait-ready.sh"), "utf8");

/**
 * The agent container's arguments: the pod's name, its members in spec order, its restartPolicy and
 * its cgroup parent reach the agent through its environment; it reaches the engine through its
 * socket, the host's cgroups at AGENT_HOST_CGROUP, and the pod-level limits the cgroup command
 * declared in POD_LIMITS_DIR (read-only). The pod component replaces the agent with any of the
 * pod's containers (see DockerPod).
 */
export function agentArgs(spec: PodSpec, image: pulumi.Input<string>, driver: CgroupDriver): docker.ContainerArgs {
  const envs = [
      `PODLAB_POD=${spec.name}`,
      `PODLAB_MEMBERS=${spec.containers.map((c) => c.name).join(",")}`,
      `PODLAB_RESTART_POLICY=${spec.restartPolicy}`,
      `PODLAB_CGROUP_PARENT=${cgroupParent(spec.name, driver)}`,
      `PODLAB_CGROUP_DRIVER=${driver}`,
      `PODLAB_POD_LIMITS_DIR=${POD_LIMITS_DIR}`,
  ];
  return {
    name: `${spec.name}-agent`,
    image,
    envs: [...envs, ...optionalEnv(spec)],
    volumes: [
      { hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET },
      { hostPath: "/sys/fs/cgroup", containerPath: AGENT_HOST_CGROUP },
      { hostPath: POD_LIMITS_DIR, containerPath: POD_LIMITS_DIR, readOnly: true },
    ],
    // Docker's restart machinery is the agent's own supervisor, across its crashes and the daemon's
    // restarts; the agent supervises the pod.
    restart: "always",
    memory: 64,
    labels: [
      { label: LABEL_AGENT_OF, value: spec.name },
      { label: LABEL_ROLE, value: "agent" },
    ],
  };
}

/** What only some pods have: init containers (comma-separated) and probes (JSON, by container). */
function optionalEnv(spec: PodSpec): string[] {
  const out: string[] = [];
  if (spec.initContainers.length) out.push(`PODLAB_INIT_CONTAINERS=${spec.initContainers.map((c) => c.name).join(",")}`);
  const probes = Object.fromEntries(spec.containers
    .filter((c) => c.readinessProbe || c.livenessProbe)
    .map((c) => [c.name, { ...(c.readinessProbe ? { readiness: c.readinessProbe } : {}), ...(c.livenessProbe ? { liveness: c.livenessProbe } : {}) }]));
  if (Object.keys(probes).length) out.push(`PODLAB_PROBES=${JSON.stringify(probes)}`);
  return out;
}

/**
 * The readiness gate: a command that `pulumi up` runs after the agent exists, and again whenever the
 * agent is replaced (any change to the pod's containers). It succeeds once the pod is Ready as the
 * kubelet says it (every member running inside the sandbox and passing its readiness probe) or has
 * Succeeded, as pulumi-kubernetes' Pod await and `kubectl wait --for=condition=Ready` do; with
 * `minReadySeconds` (Kubernetes' name, default 0) the pod must also have been Ready that long. It
 * fails after `timeoutSeconds` (or at once when the pod is Failed) naming the pod, each container
 * that is not ready, its state, exit code, restart count and last log lines (see agent/status.go).
 * Values reach the constant script through the environment only.
 */
export function readyCommandArgs(
  spec: PodSpec, agentName: pulumi.Input<string>, agentId: pulumi.Input<string>, timeoutSeconds: number, minReadySeconds = 0,
): HostCommandArgs {
  return {
    create: WAIT_SCRIPT,
    environment: {
      PODLAB_AGENT: agentName,
      PODLAB_READY_TIMEOUT: `${timeoutSeconds}s`,
      PODLAB_MIN_READY: `${minReadySeconds}s`,
    },
    triggers: [agentId],
  };
}
