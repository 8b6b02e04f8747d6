// A docker-host pod's pod-level limits (spec.resources.limits): those its cgroup command declared on
// the host (POD_LIMITS_DIR/<pod>, which the pod's agent restores), against those the kernel enforces
// on the pod's cgroup. A difference is drift: the agent restores the declared ones within seconds;
// while it has not (it is stopped, or cannot write), `inspect` and `compare --live` report it.
import { DockerTarget, readHostFile } from "../components/docker/target";
import { POD_LIMITS_DIR } from "../components/docker/paths";
import { describePodLimits, PodLimits } from "./agent";

/**
 * The limits the pod's cgroup command declared, read on the target host ("memory=<bytes>" and
 * "cpu_quota_us=<µs per 100 ms>" lines, empty for none); undefined when it declared none (a pod made
 * before podlab kept them).
 */
export function declaredPodLimits(pod: string, target: DockerTarget): PodLimits | undefined {
  const text = readHostFile(target, `${POD_LIMITS_DIR}/${pod}`);
  if (text === undefined) return undefined;
  const value = (key: string) => {
    const m = new RegExp(`^${key}=(\\d*)$`, "m").exec(text);
    return m && m[1] ? Number(m[1]) : null;
  };
  return { memoryBytes: value("memory"), cpuQuotaUs: value("cpu_quota_us") };
}

/**
 * The pod-level limits as the live views show them ("pod-level limits: memory 640Mi, cpu none (as
 * declared)"), and the drift when the kernel's differ from the declared ones, as one line that names
 * both, else undefined.
 */
export function podLimitsReport(pod: string, cgroup: string, declared: PodLimits | undefined, enforced: PodLimits | undefined): { line: string; drift?: string } {
  if (!enforced) return { line: "pod-level limits: (the pod's cgroup could not be read)" };
  const same = declared === undefined || (declared.memoryBytes === enforced.memoryBytes && declared.cpuQuotaUs === enforced.cpuQuotaUs);
  const line = `pod-level limits: ${describePodLimits(enforced)}${declared ? (same ? " (as declared)" : ` (declared: ${describePodLimits(declared)})`) : ""}`;
  if (same) return { line };
  return { line, drift: `pod ${pod}: its cgroup ${cgroup} enforces ${describePodLimits(enforced)}, but the pod declares ${describePodLimits(declared)} (its agent restores them within seconds; 'pulumi refresh' then 'pulumi up' does too)` };
}
