// Every container of a pod is bounded: a memory limit on each Docker member and on each container
// of a Kubernetes Pod (the sandbox and the pause container are the platform's, not the pod's).
import { dockerPods, kubernetesPods, Resource, containerOf } from "../resources";

export function memoryLimitViolations(resources: Resource[]): string[] {
  const out: string[] = [];
  for (const p of dockerPods(resources)) {
    for (const m of p.members) {
      if (!(m.props.memory > 0)) out.push(`pod ${p.pod}: container ${containerOf(m)} has no memory limit`);
    }
  }
  for (const p of kubernetesPods(resources)) {
    for (const c of p.resource.props.spec.containers) {
      if (!c.resources?.limits?.memory) out.push(`pod ${p.pod}: container ${c.name} has no memory limit`);
    }
  }
  return out;
}
