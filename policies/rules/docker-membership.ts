// On Docker, a pod is only a pod if its members live under its cgroup parent and join its
// sandbox's network and IPC namespaces.
import { containerOf, dockerPods, joinsSandbox, Resource } from "../resources";

export function membershipViolations(resources: Resource[]): string[] {
  const out: string[] = [];
  for (const p of dockerPods(resources)) {
    const parent = p.sandbox.props.cgroupParent;
    const expected = [`/pod-${p.pod}`, `pod-${p.pod}.slice`];
    if (!expected.includes(parent)) out.push(`pod ${p.pod}: sandbox cgroup parent is ${JSON.stringify(parent)}, not the pod's (${expected.join(" or ")})`);
    if (p.sandbox.props.ipcMode !== "shareable") out.push(`pod ${p.pod}: sandbox IPC mode is ${JSON.stringify(p.sandbox.props.ipcMode)}, not "shareable"`);
    for (const m of p.members) {
      const name = containerOf(m);
      if (m.props.cgroupParent !== parent) out.push(`pod ${p.pod}: container ${name} is under cgroup parent ${JSON.stringify(m.props.cgroupParent)}, not ${JSON.stringify(parent)}`);
      if (!joinsSandbox(m, "networkMode", p.sandbox)) out.push(`pod ${p.pod}: container ${name} does not join the sandbox's network namespace (networkMode ${JSON.stringify(m.props.networkMode)})`);
      if (!joinsSandbox(m, "ipcMode", p.sandbox)) out.push(`pod ${p.pod}: container ${name} does not join the sandbox's IPC namespace (ipcMode ${JSON.stringify(m.props.ipcMode)})`);
    }
  }
  return out;
}
