// A docker-host pod's status as its agent keeps it (agent/status.go): each container's state,
// reason, exit code and restart count, in the Kubernetes Pod API's words.
import execa from "execa";

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
  sandbox: AgentContainerStatus;
  containerStatuses: AgentContainerStatus[];
  updated: string;
}

/** The status the pod's agent last wrote; throws when the agent is not running. */
export async function agentStatus(pod: string): Promise<AgentPodStatus> {
  const { stdout } = await execa("docker", ["exec", `${pod}-agent`, "/podlab-agent", "status"]);
  return JSON.parse(stdout);
}
