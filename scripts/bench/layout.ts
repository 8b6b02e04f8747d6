// Before a tool's times count: are its pods what the others built? For each pod, read from the
// kernel: every member in the sandbox's network and IPC namespaces, each in its own cgroup under
// /pod-<pod>, with its memory limit. A faster tool that built less is no win.
import type { IPod } from "kubernetes-models/v1/Pod";
import { cgroupPaths, memoryLimit } from "../../host/proc";
import { wholePod } from "../../host/whole";

/** A pod as the benchmark describes it to all three tools: the walkthrough's, under many names. */
export interface BenchPod {
  name: string;
  containers: { name: string; image: string; command: string[]; memory: string }[];
}

/** The Kubernetes Pod manifest podlab is given for a benchmark pod. */
export function benchManifest(p: BenchPod): IPod {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name: p.name },
    spec: { containers: p.containers.map((c) => ({ name: c.name, image: c.image, command: c.command, resources: { limits: { memory: c.memory } } })) },
  };
}

/** One pod as the host runs it, with names made relative to the pod. */
export async function realized(p: BenchPod): Promise<string> {
  const members = p.containers.map((c) => c.name);
  const whole = await wholePod(p.name, members);
  const rows = members.map((m) => {
    const c = whole.members[m];
    const cgroup = cgroupPaths(c.pid).memory;
    return `${m}: net+ipc of the sandbox, cgroup ${cgroup === `/pod-${p.name}/${c.id}` ? "/pod-<pod>/<id>" : cgroup}, memory ${Number(memoryLimit(c.pid)) / 2 ** 20}Mi`;
  });
  return rows.join("; ");
}

/** Throws unless every pod is realized as `expected` (the plain CLI's, the reference). */
export async function checkLayouts(tool: string, pods: BenchPod[], expected: string[]): Promise<void> {
  for (const [i, p] of pods.entries()) {
    const got = await realized(p);
    if (got !== expected[i]) throw new Error(`${tool} built pod ${p.name} differently:\n  got      ${got}\n  expected ${expected[i]}`);
  }
}

/** What the walkthrough's pod must look like on the host. */
export function expectedLayout(p: BenchPod): string {
  return p.containers.map((c) => `${c.name}: net+ipc of the sandbox, cgroup /pod-<pod>/<id>, memory ${c.memory}`).join("; ");
}
