// Validation of user input into a PodSpec. Runs before any resource exists; every error names the
// field (as a config path) and the value, so a user can find and fix it.
import { ContainerArgs, ContainerSpec, PodArgs, PodSpec, PortSpec, RESTART_POLICIES, RestartPolicy } from "./pod-spec";
import { MIB, parseCpu, parseMemory } from "./quantity";

export class PodSpecError extends Error {
  constructor(readonly field: string, readonly value: unknown, reason: string) {
    super(`${field}: ${JSON.stringify(value)} ${reason}`);
    this.name = "PodSpecError";
  }
}

// DNS-1123 labels: what Kubernetes accepts for pod and container names, and safe on a shell line.
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Pod names end up in "<pod>-sandbox", "pod-<pod>" and hostnames (63 characters at most).
export const MAX_POD_NAME = 50;
const MAX_CONTAINER_NAME = 63;
// An image reference: [host[:port]/]path[:tag][@sha256:digest].
const IMAGE_REF =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Docker refuses memory limits under 6 MiB.
const MIN_MEMORY = 6 * MIB;
// Names reserved for the parts podlab adds to a pod.
const RESERVED_CONTAINER_NAMES = new Set(["sandbox", "pause"]);

export function checkPodName(field: string, value: unknown): string {
  if (typeof value !== "string" || !DNS_LABEL.test(value)) {
    throw new PodSpecError(field, value, "is not a valid pod name (lower-case letters, digits and '-', starting and ending with a letter or digit)");
  }
  if (value.length > MAX_POD_NAME) {
    throw new PodSpecError(field, value, `is longer than ${MAX_POD_NAME} characters`);
  }
  return value;
}

function checkContainerName(field: string, value: unknown): string {
  if (typeof value !== "string" || !DNS_LABEL.test(value) || value.length > MAX_CONTAINER_NAME) {
    throw new PodSpecError(field, value, `is not a valid container name (a DNS label of at most ${MAX_CONTAINER_NAME} characters)`);
  }
  if (RESERVED_CONTAINER_NAMES.has(value)) {
    throw new PodSpecError(field, value, "is reserved for the pod's sandbox");
  }
  return value;
}

export function checkImage(field: string, value: unknown): string {
  if (typeof value !== "string" || !IMAGE_REF.test(value)) {
    throw new PodSpecError(field, value, "is not an image reference such as podlab/httpbin:0.1");
  }
  return value;
}

function checkStrings(field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new PodSpecError(field, value, "is not a list of strings");
  }
  return value;
}

function checkEnv(field: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PodSpecError(field, value, "is not a map of names to strings");
  }
  for (const [name, v] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) throw new PodSpecError(`${field}.${name}`, name, "is not a valid environment variable name");
    if (typeof v !== "string") throw new PodSpecError(`${field}.${name}`, v, "is not a string");
  }
  return value as Record<string, string>;
}

export function checkMemory(field: string, value: unknown): number {
  const bytes = typeof value === "string" ? parseMemory(value) : undefined;
  if (bytes === undefined) {
    throw new PodSpecError(field, value, "is not a memory quantity (a whole number with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T, e.g. 256Mi)");
  }
  if (bytes % MIB !== 0) {
    throw new PodSpecError(field, value, "is not a whole number of MiB (Docker sets memory limits in MiB)");
  }
  if (bytes < MIN_MEMORY) throw new PodSpecError(field, value, "is below 6Mi, the least Docker accepts");
  return bytes;
}

export function checkCpu(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const millis = typeof value === "string" ? parseCpu(value) : undefined;
  if (millis === undefined || millis <= 0) {
    throw new PodSpecError(field, value, "is not a positive CPU quantity (e.g. 500m or 1)");
  }
  return millis;
}

function checkPortNumber(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new PodSpecError(field, value, "is not a port number (1 to 65535)");
  }
  return value;
}

function checkPorts(field: string, value: unknown): PortSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new PodSpecError(field, value, "is not a list of ports");
  return value.map((port, i) => {
    const at = `${field}[${i}]`;
    if (typeof port !== "object" || port === null) throw new PodSpecError(at, port, "is not a port ({ containerPort, hostPort? })");
    const spec: PortSpec = { containerPort: checkPortNumber(`${at}.containerPort`, port.containerPort) };
    if (port.hostPort !== undefined) spec.hostPort = checkPortNumber(`${at}.hostPort`, port.hostPort);
    return spec;
  });
}

function containerSpec(field: string, c: ContainerArgs): ContainerSpec {
  if (typeof c !== "object" || c === null) throw new PodSpecError(field, c, "is not a container");
  const spec: ContainerSpec = {
    name: checkContainerName(`${field}.name`, c.name),
    image: checkImage(`${field}.image`, c.image),
    command: checkStrings(`${field}.command`, c.command),
    args: checkStrings(`${field}.args`, c.args),
    env: checkEnv(`${field}.env`, c.env),
    ports: checkPorts(`${field}.ports`, c.ports),
    memoryBytes: checkMemory(`${field}.memory`, c.memory),
  };
  const cpu = checkCpu(`${field}.cpu`, c.cpu);
  if (cpu !== undefined) spec.cpuMillis = cpu;
  return spec;
}

/** Checks that names and ports are unique across the pod: its containers share one network namespace. */
function checkUnique(field: string, containers: ContainerSpec[]): void {
  const names = new Map<string, number>();
  const ports = new Map<number, string>();
  const hostPorts = new Set<number>();
  containers.forEach((c, i) => {
    const first = names.get(c.name);
    if (first !== undefined) {
      throw new PodSpecError(`${field}[${i}].name`, c.name, `is already the name of ${field}[${first}]`);
    }
    names.set(c.name, i);
    c.ports.forEach((p, j) => {
      const owner = ports.get(p.containerPort);
      if (owner !== undefined) {
        throw new PodSpecError(`${field}[${i}].ports[${j}].containerPort`, p.containerPort, `is already used by container "${owner}" (containers of a pod share one network namespace)`);
      }
      ports.set(p.containerPort, c.name);
      if (p.hostPort !== undefined) {
        if (hostPorts.has(p.hostPort)) throw new PodSpecError(`${field}[${i}].ports[${j}].hostPort`, p.hostPort, "is published twice");
        hostPorts.add(p.hostPort);
      }
    });
  });
}

/** Validates user input into a PodSpec, or throws a PodSpecError naming the field and the value. */
export function podSpec(args: PodArgs, field = "pod"): PodSpec {
  if (typeof args !== "object" || args === null) throw new PodSpecError(field, args, "is not a pod");
  const name = checkPodName(`${field}.name`, args.name);
  if (!Array.isArray(args.containers) || args.containers.length === 0) {
    throw new PodSpecError(`${field}.containers`, args.containers, "must list at least one container");
  }
  const containers = args.containers.map((c, i) => containerSpec(`${field}.containers[${i}]`, c));
  checkUnique(`${field}.containers`, containers);
  const limits: PodSpec["limits"] = {};
  if (args.limits?.memory !== undefined) limits.memoryBytes = checkMemory(`${field}.limits.memory`, args.limits.memory);
  const cpu = checkCpu(`${field}.limits.cpu`, args.limits?.cpu);
  if (cpu !== undefined) limits.cpuMillis = cpu;
  checkWithinPodLimits(field, args, containers, limits);
  const restartPolicy = checkRestartPolicy(`${field}.restartPolicy`, args.restartPolicy);
  return { name, containers, restartPolicy, limits };
}

/**
 * A container's limit may not exceed its pod's: the Kubernetes API server refuses such a Pod
 * (pod-level resources, KEP-2837), and on Docker the kernel refuses a child cgroup's CPU quota above
 * its parent's (runc fails writing cpu.cfs_quota_us, after the old container is gone).
 */
function checkWithinPodLimits(field: string, args: PodArgs, containers: ContainerSpec[], limits: PodSpec["limits"]): void {
  containers.forEach((c, i) => {
    if (limits.memoryBytes !== undefined && c.memoryBytes > limits.memoryBytes) {
      throw new PodSpecError(`${field}.containers[${i}].memory`, args.containers[i].memory, `is above the pod's memory limit ${JSON.stringify(args.limits?.memory)} (${field}.limits.memory)`);
    }
    if (limits.cpuMillis !== undefined && c.cpuMillis !== undefined && c.cpuMillis > limits.cpuMillis) {
      throw new PodSpecError(`${field}.containers[${i}].cpu`, args.containers[i].cpu, `is above the pod's CPU limit ${JSON.stringify(args.limits?.cpu)} (${field}.limits.cpu)`);
    }
  });
}

function checkRestartPolicy(field: string, value: unknown): RestartPolicy {
  if (value === undefined) return "Always"; // Kubernetes' default
  if (!RESTART_POLICIES.includes(value as RestartPolicy)) {
    throw new PodSpecError(field, value, `is not one of ${RESTART_POLICIES.join(", ")}`);
  }
  return value as RestartPolicy;
}

const DURATION = /^([0-9]+)(s|m|h)$/;
const SECONDS_PER = { s: 1, m: 60, h: 3600 } as const;

/**
 * How long `pulumi up` waits for a pod to be ready, on either platform: a duration such as "90s",
 * "10m" or "1h" (the form Pulumi's customTimeouts take), in seconds. Unset: 10 minutes, the
 * Kubernetes provider's default for a Pod. Throws a PodSpecError naming the field and the value.
 */
export function readyTimeoutSeconds(field: string, value: unknown): number {
  if (value === undefined) return 600;
  const m = typeof value === "string" ? DURATION.exec(value) : null;
  if (!m || Number(m[1]) === 0) throw new PodSpecError(field, value, "is not a duration such as 90s, 10m or 1h");
  return Number(m[1]) * SECONDS_PER[m[2] as keyof typeof SECONDS_PER];
}

/** Validates several pods, which must have distinct names (their host objects are named after them). */
export function podSpecs(pods: PodArgs[], field = "pods"): PodSpec[] {
  if (!Array.isArray(pods) || pods.length === 0) throw new PodSpecError(field, pods, "must list at least one pod");
  const specs = pods.map((p, i) => podSpec(p, `${field}[${i}]`));
  specs.forEach((s, i) => {
    const j = specs.findIndex((o) => o.name === s.name);
    if (j !== i) throw new PodSpecError(`${field}[${i}].name`, s.name, `is already the name of ${field}[${j}]`);
  });
  return specs;
}
