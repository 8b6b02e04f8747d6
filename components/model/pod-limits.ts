// A pod's limits as the kubelet enforces them on the pod's cgroup (kubernetes pkg/kubelet/cm
// helpers_linux.go ResourceConfigForPod, with k8s.io/component-helpers resource.PodLimits): one rule
// for the docker platform's pod cgroup and for what depends on it (a memory-backed emptyDir's size).
import { PodSpec, Resources } from "./pod-spec";

/**
 * The pod's effective limits, memory in bytes and CPU in millicores, each undefined when the pod has
 * none: a pod-level limit (spec.resources) when set; else, when every app container has a limit of
 * that resource, the larger of the app containers' and sidecars' sum and the largest init container's
 * plus the sidecars started before it (PodLimits); else none, as the kubelet leaves a Burstable pod's
 * cgroup unlimited where a container is.
 */
export function podLimits(spec: Pick<PodSpec, "limits" | "initContainers" | "containers">): Resources {
  const out: Resources = {};
  for (const r of ["memoryBytes", "cpuMillis"] as const) {
    if (spec.limits[r] !== undefined) {
      out[r] = spec.limits[r];
      continue;
    }
    if (spec.containers.length === 0 || spec.containers.some((c) => c.limits[r] === undefined)) continue;
    let sidecars = 0;
    let initMax = 0;
    for (const c of spec.initContainers) {
      const v = c.limits[r] ?? 0;
      if (c.sidecar) sidecars += v;
      else initMax = Math.max(initMax, v + sidecars);
    }
    out[r] = Math.max(spec.containers.reduce((n, c) => n + c.limits[r]!, 0) + sidecars, initMax);
  }
  return out;
}
