// Kubernetes-style resource quantities, parsed once so both platforms get the same number of bytes.

const MEMORY_SUFFIXES: Record<string, number> = {
  "": 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

const MEMORY_PATTERN = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const CPU_PATTERN = /^([0-9]+)(m)?$|^([0-9]*\.[0-9]+)$/;

/** Bytes in a memory quantity such as "256Mi"; undefined when it is not one. */
export function parseMemory(text: string): number | undefined {
  const match = MEMORY_PATTERN.exec(text);
  if (!match) return undefined;
  const bytes = Number(match[1]) * MEMORY_SUFFIXES[match[2] ?? ""];
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Millicores in a CPU quantity such as "500m", "1" or "0.5"; undefined when it is not one. */
export function parseCpu(text: string): number | undefined {
  const match = CPU_PATTERN.exec(text);
  if (!match) return undefined;
  if (match[1] !== undefined) return match[2] ? Number(match[1]) : Number(match[1]) * 1000;
  const millis = Number(match[3]) * 1000;
  return Number.isInteger(millis) ? millis : undefined;
}

export const MIB = 2 ** 20;

/**
 * A CPU request as cgroup v1 shares: the kubelet's MilliCPUToShares (pkg/kubelet/cm/helpers_linux.go),
 * millicores × 1024 / 1000, 2 to 262144. Used for a container's `--cpu-shares` and a pod cgroup's weight.
 */
export function milliCpuToShares(millis: number): number {
  return Math.min(262144, Math.max(2, Math.floor((millis * 1024) / 1000)));
}
