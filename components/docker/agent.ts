// The pods' agent and their readiness gate. On a Docker host nothing else keeps a pod whole between two
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
import { ContainerSpec, HookSpec, PodSpec, ProbeSpec } from "../model/pod-spec";
import { ENV_EXEC, usesEnvExec } from "./env-exec";
import { CgroupDriver, cgroupParent } from "./cgroup";
import { PodSpecError } from "../model/validate";
import { hostCommand, HostCommand, HostCommandArgs } from "./host-command";
import { secretMasks } from "./masks";
import { POD_LIMITS_DIR, POST_STARTED_DIR } from "./paths";
import { DockerTarget } from "./target";

/** Where the agent reaches the engine, inside its container. */
export const DOCKER_SOCKET = "/var/run/docker.sock";

/**
 * Where the agent sees the host's cgroup mount (read-write: it restores the pod-level limits of a pod
 * cgroup that came back without them, as the kubelet's pod container manager keeps them).
 */
export const AGENT_HOST_CGROUP = "/host/sys/fs/cgroup";

const WAIT_SCRIPT = readFileSync(join(__dirname, "wait-ready.sh"), "utf8");

/** A pod as the agent is told it (agent/config.go's PodConfig, one entry of PODLAB_PODS). */
export function agentPodConfig(spec: PodSpec, driver: CgroupDriver): Record<string, unknown> {
  // An exec probe runs with the container's environment, its secret variables too: through env-exec,
  // which expands nothing there (no kubelet expands a probe's command).
  const withEnv = <T extends ProbeSpec | HookSpec>(c: ContainerSpec, p: T): T =>
    p.exec && usesEnvExec(c) ? { ...p, exec: { command: [ENV_EXEC, "--no-expand", ...p.exec.command] } } : p;
  const hooks = Object.fromEntries([...spec.initContainers.filter((c) => c.sidecar), ...spec.containers]
    .filter((c) => c.lifecycle)
    .map((c) => [c.name, {
      ...(c.lifecycle!.postStart ? { postStart: withEnv(c, c.lifecycle!.postStart) } : {}),
      ...(c.lifecycle!.preStop ? { preStop: withEnv(c, c.lifecycle!.preStop) } : {}),
    }]));
  const probes = Object.fromEntries([...spec.initContainers.filter((c) => c.sidecar), ...spec.containers]
    .filter((c) => c.startupProbe || c.readinessProbe || c.livenessProbe)
    .map((c) => [c.name, {
      ...(c.startupProbe ? { startup: withEnv(c, c.startupProbe) } : {}),
      ...(c.readinessProbe ? { readiness: withEnv(c, c.readinessProbe) } : {}),
      ...(c.livenessProbe ? { liveness: withEnv(c, c.livenessProbe) } : {}),
    }]));
  return {
    pod: spec.name,
    members: spec.containers.map((c) => c.name),
    ...(spec.initContainers.length ? { initContainers: spec.initContainers.map((c) => c.name) } : {}),
    ...(spec.initContainers.some((c) => c.sidecar) ? { sidecars: spec.initContainers.filter((c) => c.sidecar).map((c) => c.name) } : {}),
    restartPolicy: spec.restartPolicy,
    ...(Object.keys(probes).length ? { probes } : {}),
    ...(Object.keys(hooks).length ? { hooks } : {}),
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    cgroupParent: cgroupParent(spec.name, driver),
    cgroupDriver: driver,
  };
}

/**
 * The agent container's arguments, for the pods `specs` (one agent per stack and host keeps every
 * pod of the stack there, as the kubelet is one per node; a DockerPod made alone has its own): the
 * pods reach the agent as PODLAB_PODS (JSON, in the order given); it reaches the engine through its
 * socket, the host's cgroups at AGENT_HOST_CGROUP, the pod-level limits the cgroup commands
 * declared in POD_LIMITS_DIR (read-only), and the runs whose postStart hook completed in
 * POST_STARTED_DIR. Its label podlab.dev/agent-of lists the pods it keeps,
 * comma-separated. Whoever makes it replaces it with any of the pods' containers (see DockerAgent).
 */
export function agentArgs(name: string, specs: PodSpec[], image: pulumi.Input<string>, driver: CgroupDriver, extraLabels: Record<string, string> = {}): docker.ContainerArgs {
  return {
    name,
    image,
    envs: [`PODLAB_PODS=${JSON.stringify(specs.map((s) => agentPodConfig(s, driver)))}`, `PODLAB_POD_LIMITS_DIR=${POD_LIMITS_DIR}`, `PODLAB_POST_STARTED_DIR=${POST_STARTED_DIR}`],
    volumes: [
      { hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET },
      { hostPath: "/sys/fs/cgroup", containerPath: AGENT_HOST_CGROUP },
      { hostPath: POD_LIMITS_DIR, containerPath: POD_LIMITS_DIR, readOnly: true },
      { hostPath: POST_STARTED_DIR, containerPath: POST_STARTED_DIR },
    ],
    // Docker's restart machinery is the agent's own supervisor, across its crashes and the daemon's
    // restarts; the agent supervises the pods.
    restart: "always",
    // 64 MiB was one pod's agent; each further pod adds its loop's state and a Docker events stream.
    memory: 64 + 8 * (specs.length - 1),
    labels: Object.entries({ [LABEL_AGENT_OF]: specs.map((s) => s.name).join(","), [LABEL_ROLE]: "agent", ...extraLabels })
      .map(([label, value]) => ({ label, value })),
  };
}

/**
 * The readiness gate: a command that `pulumi up` runs after the agent exists, and again whenever the
 * agent is replaced (any change to its pods' containers). It succeeds once every pod in `pods` is
 * Ready as the kubelet says it (every member running inside the sandbox and passing its readiness
 * probe) or has Succeeded, as pulumi-kubernetes' Pod await and `kubectl wait --for=condition=Ready`
 * do; with `minReadySeconds` (Kubernetes' name, default 0) each pod must also have been Ready that
 * long. It fails after `timeoutSeconds` (or at once when a pod is Failed) naming each pod that is not
 * ready, each of its containers that is not, its state, exit code, restart count and last log lines
 * (see agent/status.go), every Secret value in `masks` masked there. Values reach the constant
 * script through the environment only.
 */
export function readyCommandArgs(
  pods: string[], agentName: pulumi.Input<string>, agentId: pulumi.Input<string>, timeoutSeconds: number, minReadySeconds = 0, masks: string[] = [],
): HostCommandArgs {
  return {
    create: WAIT_SCRIPT,
    environment: {
      PODLAB_AGENT: agentName,
      PODLAB_PODS: pods.join(","),
      PODLAB_READY_TIMEOUT: `${timeoutSeconds}s`,
      PODLAB_MIN_READY: `${minReadySeconds}s`,
      // The pods' Secret values, masked in the log lines a failure quotes (masks.ts).
      ...(masks.length ? { PODLAB_MASK: pulumi.secret(masks.join("\n")) } : {}),
    },
    triggers: [agentId],
  };
}

export interface DockerAgentArgs {
  /**
   * The pods it keeps, in order: each pod's spec and its parts (cgroup command, sandbox, init
   * containers, members), which the agent is made after and replaced with.
   */
  pods: { spec: PodSpec; parts: pulumi.Resource[] }[];
  /** The agent's image (podlab/agent), as an image ID or reference. */
  image: pulumi.Input<string>;
  cgroupDriver: CgroupDriver;
  /** The agent container's name on the host (see agentContainerName). */
  containerName: string;
  /** How long the gate waits for the pods to be ready, in seconds. */
  readyTimeoutSeconds: number;
  /** Kubernetes' minReadySeconds for the gate, in seconds (default 0). */
  minReadySeconds?: number;
  /** Where the gate runs: undefined for the local host, else the SSH host. */
  target?: DockerTarget;
  /** More labels for the container (the stack's, podlab.dev/stack). */
  labels?: Record<string, string>;
}

/**
 * The agent container's name for a stack's pods on a host: `<project>.<stack>.agent`. The dots keep
 * it apart from every name a pod's parts take (`<pod>-<container>`, DNS labels), and Docker allows
 * them (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`), as it does Pulumi's project and stack names.
 */
export const agentContainerName = (project: string, stack: string) => `${project}.${stack}.agent`;

/**
 * The agent of a stack's docker-host pods on one host, and their readiness gate (`ready`): one
 * container for all of them, as the kubelet is one per node. Never racing Pulumi: the agent is made
 * after every part of its pods and replaced, deleted first, with any of them (replaceWith,
 * deleteBeforeReplace), so it is gone before Pulumi touches a container it keeps and comes back once
 * Pulumi is done with them; a change to one pod restarts it for all, which leaves the others
 * unsupervised for about a second and changes none of their containers.
 */
export class DockerAgent extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** `pulumi up`'s readiness gate for every pod the agent keeps; its stdout says each pod's state. */
  readonly ready: HostCommand;

  constructor(name: string, args: DockerAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.pods.length === 0) throw new PodSpecError("pods", [], "must name at least one pod for the agent to keep");
    super("podlab:docker:Agent", name, {}, opts);
    ({ container: this.container, ready: this.ready } = agentAndGate(name, `${name}-ready`, args, this));
    this.registerOutputs({ container: this.container, ready: this.ready });
  }
}

/**
 * The agent container (resource `name`) and its readiness gate (resource `gate`), children of
 * `parent`: DockerAgent's for a stack, DockerPod's own for a pod made alone. The agent is made after
 * every part of its pods and replaced with any of them, deleted first (replaceWith,
 * deleteBeforeReplace): it is gone before Pulumi touches a container it keeps, so it never races
 * Pulumi over one (it would make a container Pulumi just removed again).
 */
export function agentAndGate(name: string, gate: string, args: DockerAgentArgs, parent: pulumi.Resource): { container: docker.Container; ready: HostCommand } {
  const parts = args.pods.flatMap((p) => p.parts);
  const specs = args.pods.map((p) => p.spec);
  const container = new docker.Container(name, agentArgs(args.containerName, specs, args.image, args.cgroupDriver, args.labels), {
    parent, deleteBeforeReplace: true, dependsOn: parts, replaceWith: parts,
  });
  const ready = hostCommand(gate, readyCommandArgs(specs.map((s) => s.name), container.name, container.id, args.readyTimeoutSeconds, args.minReadySeconds, secretMasks(specs)), args.target, {
    parent, dependsOn: [container],
  });
  return { container, ready };
}
