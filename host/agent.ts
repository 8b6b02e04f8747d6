// A docker-host pod's status as its agent keeps it (agent/status.go): each container's state,
// reason, exit code and restart count, in the Kubernetes Pod API's words.
import { DockerTarget } from "../components/docker/target";
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

/**
 * The status the pod's agent last wrote, asked on the target host (the local engine by default).
 * Throws, saying why, when the agent cannot be asked: its container missing or not running (then
 * nothing repairs the pod until `pulumi up` starts it again).
 */
export async function agentStatus(pod: string, target?: DockerTarget): Promise<AgentPodStatus> {
  const agent = `${pod}-agent`;
  // Asked first, so a running agent costs one docker command (each is slow on a remote host).
  try {
    return JSON.parse((await docker(target, ["exec", agent, "/podlab-agent", "status"])).stdout);
  } catch (err) {
    const state = await docker(target, ["inspect", "-f", "{{.State.Status}}", agent], { reject: false });
    if (state.exitCode !== 0) throw new Error(`its agent ${agent} does not exist: nothing repairs the pod; 'pulumi up' makes it again`);
    if (state.stdout !== "running") throw new Error(`its agent ${agent} is ${state.stdout}: nothing repairs the pod; 'pulumi up' starts it again`);
    throw err;
  }
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
