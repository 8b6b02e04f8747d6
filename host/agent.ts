// A docker-host pod's status as its agent keeps it (agent/status.go): each container's state,
// reason, exit code and restart count, in the Kubernetes Pod API's words.
import { DockerTarget } from "../components/docker/target";
import { docker } from "./docker";

export interface AgentContainerStatus {
  name: string;
  containerID?: string;
  state: "running" | "waiting" | "terminated";
  reason?: string;
  exitCode?: number;
  restartCount: number;
  ready: boolean;
  inSandbox: boolean;
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

/** A container's state in the Pod API's words, e.g. "waiting (CrashLoopBackOff), exit code 1, 3 restarts". */
export function describeContainer(c: AgentContainerStatus): string {
  let s = c.state + (c.reason ? ` (${c.reason})` : "");
  if (c.exitCode !== undefined) s += `, exit code ${c.exitCode}`;
  return `${s}, ${c.restartCount} restarts`;
}
