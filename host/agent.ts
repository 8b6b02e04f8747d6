// A docker-host pod's status as its agent keeps it (agent/status.go): each container's state,
// reason, exit code and restart count, in the Kubernetes Pod API's words.
import { DockerTarget } from "../components/docker/target";
import { LABEL_AGENT_OF, LABEL_ROLE } from "../components/model/labels";
import { docker } from "./docker";

/** The Pod API's ContainerStateTerminated. */
export interface TerminatedState {
  exitCode: number;
  /** Completed, Error, OOMKilled or ContainerCannotRun. */
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

/** The Pod API's ContainerState: exactly one of its members (none: not known). */
export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: TerminatedState;
}

/** A container's status, as the Pod API's ContainerStatus (with podlab's inSandbox and probeWarning). */
export interface AgentContainerStatus {
  name: string;
  /** "docker://<id>". */
  containerID?: string;
  state: ContainerState;
  lastState: ContainerState;
  restartCount: number;
  ready: boolean;
  started: boolean;
  inSandbox: boolean;
  probeWarning?: string;
}

/** Pod-level limits: memory in bytes, CPU quota in µs per 100 ms period; null is none. */
export interface PodLimits {
  memoryBytes: number | null;
  cpuQuotaUs: number | null;
  /** A pod-level CPU request's weight as cgroup v1 shares (declared), or the kernel's shares or v2 weight (enforced). */
  cpuShares?: number;
}

export interface AgentPodStatus {
  pod: string;
  restartPolicy: string;
  phase: string;
  ready: boolean;
  /** When the pod last became Ready (RFC 3339), while it is. */
  readySince?: string;
  sandbox: AgentContainerStatus;
  /** Init containers, in order: ready once completed in the sandbox's current life. */
  initContainerStatuses?: AgentContainerStatus[];
  containerStatuses: AgentContainerStatus[];
  /** The pod's cgroup parent: its declared pod-level limits, those the kernel enforces, how often restored. */
  podCgroup?: { parent: string; declared?: PodLimits; enforced?: PodLimits; restored: number; lastError?: string };
  updated: string;
}

/** An agent container on the host: its name, its state (Docker's), and the pods it keeps. */
export interface AgentContainer {
  name: string;
  state: string;
  pods: string[];
}

/**
 * The agents on the target host that keep `pod` (its own `<pod>-agent`, or its stack's
 * `<project>.<stack>.agent`): their label podlab.dev/agent-of lists the pods each keeps.
 */
export async function agentsOf(pod: string, target?: DockerTarget): Promise<AgentContainer[]> {
  const { stdout } = await docker(target, ["ps", "-a", "--filter", `label=${LABEL_ROLE}=agent`, "--format", `{{.Names}}\t{{.State}}\t{{.Label "${LABEL_AGENT_OF}"}}`]);
  return stdout.split("\n").filter(Boolean).map((l) => l.split("\t")).map(([name, state, of]) => ({ name, state, pods: (of ?? "").split(",").filter(Boolean) }))
    .filter((a) => a.pods.includes(pod));
}

/**
 * The status the pod's agent last wrote, asked on the target host (the local engine by default).
 * Throws, saying why, when the agent cannot be asked: no agent keeps the pod, or it is not running
 * (then nothing repairs the pod until `pulumi up` starts it again).
 */
export async function agentStatus(pod: string, target?: DockerTarget): Promise<AgentPodStatus> {
  const agents = await agentsOf(pod, target);
  if (agents.length === 0) throw new Error(`no agent keeps it: nothing repairs the pod; 'pulumi up' makes its agent again`);
  const agent = agents.find((a) => a.state === "running") ?? agents[0];
  if (agent.state !== "running") throw new Error(`its agent ${agent.name} is ${agent.state}: nothing repairs the pod; 'pulumi up' starts it again`);
  return JSON.parse((await docker(target, ["exec", agent.name, "/podlab-agent", "status", "--pod", pod])).stdout);
}

/** Which of the Pod API's states a container is in. */
export const stateName = (s: ContainerState): "running" | "waiting" | "terminated" | "unknown" =>
  s.running ? "running" : s.terminated ? "terminated" : s.waiting ? "waiting" : "unknown";

/** A state in kubectl's words: "running", "waiting (CrashLoopBackOff)", "terminated (OOMKilled), exit code 137". */
export function describeState(s: ContainerState): string {
  if (s.terminated) return `terminated${s.terminated.reason ? ` (${s.terminated.reason})` : ""}, exit code ${s.terminated.exitCode}`;
  if (s.waiting) return `waiting${s.waiting.reason ? ` (${s.waiting.reason})` : ""}`;
  return stateName(s);
}

/**
 * A container's status in the Pod API's words, as the agent's readiness gate writes it, e.g.
 * "waiting (CrashLoopBackOff); last state terminated (OOMKilled), exit code 137, 3 restarts".
 */
export function describeContainer(c: AgentContainerStatus): string {
  let s = describeState(c.state);
  if (c.lastState?.terminated) s += `; last state ${describeState(c.lastState)}`;
  if (c.probeWarning) s += `; ${c.probeWarning}`;
  return `${s}, ${c.restartCount} restarts`;
}

/** Pod-level limits as a line: "memory 640Mi, cpu 500m" ("none" for each that is unset). */
export function describePodLimits(l: PodLimits | undefined): string {
  const memory = l?.memoryBytes == null ? "none" : `${l.memoryBytes / 2 ** 20}Mi`;
  const cpu = l?.cpuQuotaUs == null ? "none" : `${l.cpuQuotaUs / 100}m`;
  return `memory ${memory}, cpu ${cpu}`;
}
