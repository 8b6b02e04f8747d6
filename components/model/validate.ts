// Checks of single values of user input (names, images, quantities, durations), shared by the
// manifest reader and the stacks' config. Every error names the field (its path) and the value.
import { MIB, parseCpu, parseMemory } from "./quantity";

export class PodSpecError extends Error {
  constructor(readonly field: string, readonly value: unknown, reason: string) {
    super(`${field}: ${JSON.stringify(value)} ${reason}`);
    this.name = "PodSpecError";
  }

  /** An error about a field without a value to quote (a missing field, a file that is not YAML). */
  static plain(field: string, reason: string): PodSpecError {
    const err = new PodSpecError(field, undefined, reason);
    err.message = `${field}: ${reason}`;
    return err;
  }
}

// DNS-1123 labels: what Kubernetes accepts for pod and container names, and safe on a shell line.
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Pod names end up in "<pod>-sandbox", "pod-<pod>" and hostnames (63 characters at most).
export const MAX_POD_NAME = 50;
// An image reference: [host[:port]/]path[:tag][@sha256:digest].
const IMAGE_REF =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
// Docker refuses memory limits under 6 MiB.
const MIN_MEMORY = 6 * MIB;

export function checkPodName(field: string, value: unknown): string {
  if (typeof value !== "string" || !DNS_LABEL.test(value)) {
    throw new PodSpecError(field, value, "is not a valid pod name (lower-case letters, digits and '-', starting and ending with a letter or digit)");
  }
  if (value.length > MAX_POD_NAME) {
    throw new PodSpecError(field, value, `is longer than ${MAX_POD_NAME} characters`);
  }
  return value;
}

// A Kubernetes object name (a DNS subdomain): what the API server accepts for a Pod.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Pod's name as Kubernetes accepts it (a DNS subdomain of at most 253 characters). */
export function checkObjectName(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new PodSpecError(field, value, "is not a valid Kubernetes object name (a DNS subdomain)");
  }
  return value;
}

export function checkImage(field: string, value: unknown): string {
  if (typeof value !== "string" || !IMAGE_REF.test(value)) {
    throw new PodSpecError(field, value, "is not an image reference such as podlab/httpbin:0.1");
  }
  return value;
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


/**
 * podlab:minReadySeconds, Kubernetes' name for it (a Deployment's spec.minReadySeconds, default 0):
 * how long, in seconds, every container must have been ready before `pulumi up` calls the pod ready.
 * A whole number, 0 (the default: ready as soon as the kubelet would say Ready) or more, and below the
 * ready timeout, as the API server asks progressDeadlineSeconds to exceed minReadySeconds
 * (pkg/apis/apps/validation: ValidateDeploymentSpec). Throws a PodSpecError naming the field and value.
 */
export function minReadySeconds(field: string, value: unknown, readyTimeoutSeconds: number): number {
  if (value === undefined) return 0;
  const n = typeof value === "number" ? value : typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 2147483647) throw new PodSpecError(field, value, "is not a whole number of seconds, 0 or more");
  if (n >= readyTimeoutSeconds) throw new PodSpecError(field, value, `must be less than the ready timeout (${readyTimeoutSeconds}s), or the pod could never be ready in time`);
  return n;
}
