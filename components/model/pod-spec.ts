// The one Pod model. Docker and Kubernetes components both render from a PodSpec, so any layout
// difference between the two stacks can only come from the platform (see layout.ts).

/** A container as the user writes it in stack config. */
export interface ContainerArgs {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  ports?: PortArgs[];
  /** Memory limit as a Kubernetes quantity, e.g. "256Mi". Required: every container is bounded. */
  memory: string;
  /** Optional CPU limit, e.g. "500m". */
  cpu?: string;
}

export interface PortArgs {
  containerPort: number;
  /** Publish on the host (Docker: on the sandbox; Kubernetes: hostPort). */
  hostPort?: number;
}

/**
 * The Pod's spec.restartPolicy: which exited containers are started again, pod-wide
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy).
 */
export type RestartPolicy = "Always" | "OnFailure" | "Never";
export const RESTART_POLICIES: readonly RestartPolicy[] = ["Always", "OnFailure", "Never"];

/** A pod as the user writes it in stack config. */
export interface PodArgs {
  name: string;
  containers: ContainerArgs[];
  /** Always (the default), OnFailure or Never, as in a Kubernetes Pod. */
  restartPolicy?: string;
  /** Optional pod-level limits, applied to the pod's cgroup (Kubernetes: pod-level resources). */
  limits?: { memory?: string; cpu?: string };
}

/** A validated container: quantities parsed, defaults filled in. */
export interface ContainerSpec {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  ports: PortSpec[];
  memoryBytes: number;
  cpuMillis?: number;
}

export interface PortSpec {
  containerPort: number;
  hostPort?: number;
}

/** A validated pod. Build one with `podSpec()` (validate.ts). */
export interface PodSpec {
  name: string;
  containers: ContainerSpec[];
  restartPolicy: RestartPolicy;
  limits: { memoryBytes?: number; cpuMillis?: number };
}
