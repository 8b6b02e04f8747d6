// A pod's limits as the kubelet enforces them on the pod's cgroup (kubernetes pkg/kubelet/cm
// helpers_linux.go ResourceConfigForPod, with k8s.io/component-helpers resource.PodLimits): one rule
// for the docker platform's pod cgroup and for what depends on it (a memory-backed emptyDir's size).
import { PodSpec, Resources } from "./pod-spec";

/**
 * The pod's effective limits, memory in bytes and CPU in millicores, each undefined when the pod has
 * none: a pod-level limit (spec.resources) when set; else the larger of the app containers' and
 * sidecars' sum and the largest init container's plus the sidecars started before it (PodLimits),
 * when each of those amounts is above zero: every app container's limit, every init container's
 * plus the sidecars before it, every sidecar's with those before it (ResourceConfigForPod's
 * ContainerFn); else none, as the kubelet leaves a Burstable pod's cgroup unlimited.
 */
export function podLimits(spec: Pick<PodSpec, "limits" | "initContainers" | "containers">): Resources {
  const out: Resources = {};
  for (const r of ["memoryBytes", "cpuMillis"] as const) {
    if (spec.limits[r] !== undefined) {
      out[r] = spec.limits[r];
      continue;
    }
    let declared = spec.containers.length > 0 && spec.containers.every((c) => (c.limits[r] ?? 0) > 0);
    let sidecars = 0;
    let initMax = 0;
    for (const c of spec.initContainers) {
      const v = c.limits[r] ?? 0;
      let amount: number;
      if (c.sidecar) amount = sidecars += v;
      else initMax = Math.max(initMax, (amount = v + sidecars));
      if (amount === 0) declared = false;
    }
    if (declared) out[r] = Math.max(spec.containers.reduce((n, c) => n + c.limits[r]!, 0) + sidecars, initMax);
  }
  return out;
}
