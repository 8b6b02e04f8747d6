// What the runtime tests check on a docker-host pod: every member runs inside its sandbox's current
// network and IPC namespaces (by /proc inode), under the pod's cgroup, with its limit; and nothing of
// a pod is left after destroy.
import execa from "execa";
import { expect } from "vitest";
import { LABEL_AGENT_OF, LABEL_POD } from "../../components/model/labels";
import { AgentPodStatus, agentStatus } from "../../host/agent";
import { LiveContainer, podContainers } from "../../host/docker";
import { cgroupDirs, cgroupPaths, memoryLimit, namespaceInodes } from "../../host/proc";

export interface WholePod {
  sandbox: LiveContainer;
  members: Record<string, LiveContainer>;
  net: string;
  ipc: string;
}

/** Throws (saying what is wrong) unless every member runs in the sandbox's net and IPC namespaces. */
export async function wholePod(pod: string, members: string[]): Promise<WholePod> {
  const cs = await podContainers(pod);
  const sandbox = cs.find((c) => c.name === `${pod}-sandbox`);
  if (!sandbox?.running) throw new Error(`${pod}-sandbox is not running`);
  const sb = namespaceInodes(sandbox.pid);
  const out: WholePod = { sandbox, members: {}, net: sb.net, ipc: sb.ipc };
  for (const m of members) {
    const c = cs.find((x) => x.name === `${pod}-${m}`);
    if (!c?.running) throw new Error(`${pod}-${m} is not running`);
    const ns = namespaceInodes(c.pid);
    if (ns.net !== sb.net || ns.ipc !== sb.ipc) throw new Error(`${pod}-${m} is in net ${ns.net}/ipc ${ns.ipc}, its sandbox in ${sb.net}/${sb.ipc}`);
    out.members[m] = c;
  }
  return out;
}

/** Polls until the pod is whole; returns it and the seconds it took. Fails after `seconds`. */
export async function waitWhole(pod: string, members: string[], seconds = 30): Promise<WholePod & { took: number }> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < seconds * 1000) {
    try {
      return { ...(await wholePod(pod, members)), took: (Date.now() - t0) / 1000 };
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`pod ${pod} was not whole within ${seconds}s: ${(last as Error).message}`);
}

/** Each member's memory cgroup is under the pod's cgroup parent, with the given limit in MiB. */
export function expectCgroups(pod: string, whole: WholePod, limitsMiB: Record<string, number>): void {
  for (const [m, c] of Object.entries(whole.members)) {
    expect(cgroupPaths(c.pid).memory, `${m} memory cgroup`).toBe(`/pod-${pod}/${c.id}`);
    expect(memoryLimit(c.pid), `${m} memory limit`).toBe(limitsMiB[m] * 2 ** 20);
  }
}

/** The agent's status of the pod (restart counts, states). */
export const statusOf = (pod: string): Promise<AgentPodStatus> => agentStatus(pod);
export const restartsOf = async (pod: string, member: string) =>
  (await statusOf(pod)).containerStatuses.find((c) => c.name === member)!.restartCount;

/** After destroy: no container of the pod, no agent, no cgroup directory. */
export async function expectNothingLeft(pod: string): Promise<void> {
  for (const label of [LABEL_POD, LABEL_AGENT_OF]) {
    const { stdout } = await execa("docker", ["ps", "-aq", "--filter", `label=${label}=${pod}`]);
    expect(stdout, `containers labelled ${label}=${pod}`).toBe("");
  }
  expect(cgroupDirs(`pod-${pod}`), `cgroups of ${pod}`).toEqual([]);
}

/** The HTTP status of a GET on the host's loopback address, or 0 when nothing answers. */
export async function httpStatus(port: number, path = "/get"): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
    return res.status;
  } catch {
    return 0;
  }
}
