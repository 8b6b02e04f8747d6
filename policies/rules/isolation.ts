// Nothing of a pod runs privileged or in the host's network, PID or IPC namespace.
import { DOCKER_CONTAINER, K8S_POD, Resource } from "../resources";

export function isolationViolations(resources: Resource[]): string[] {
  const out: string[] = [];
  for (const r of resources) {
    if (r.type === DOCKER_CONTAINER) {
      const p = r.props;
      if (p.privileged === true) out.push(`container ${p.name}: runs privileged`);
      for (const mode of ["networkMode", "pidMode", "ipcMode"] as const) {
        if (p[mode] === "host") out.push(`container ${p.name}: ${mode} is "host"`);
      }
    }
    if (r.type === K8S_POD) {
      const spec = r.props.spec ?? {};
      for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (spec[field] === true) out.push(`pod ${r.props.metadata?.name}: ${field} is true`);
      }
      for (const c of spec.containers ?? []) {
        if (c.securityContext?.privileged === true) out.push(`pod ${r.props.metadata?.name}: container ${c.name} runs privileged`);
      }
    }
  }
  return out;
}
