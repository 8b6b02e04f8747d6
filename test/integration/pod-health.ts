// What the runtime tests check on a docker-host pod: every member runs inside its sandbox's current
// network and IPC namespaces (by /proc inode), under the pod's cgroup, with its limit; and nothing of
// a pod is left after destroy.
import execa from "execa";
import { existsSync } from "node:fs";
import { expect } from "vitest";
import { LABEL_POD } from "../../components/model/labels";
import { POD_LIMITS_DIR, podDir, postStartedFile } from "../../components/docker/paths";
import { AgentPodStatus, agentsOf, agentStatus } from "../../host/agent";
import { cgroupDirs, cgroupPaths, memoryLimit } from "../../host/proc";
import { WholePod } from "../../host/whole";
import type { ScratchStack } from "../../scripts/lib/scratch-stack";

export { waitWhole, wholePod } from "../../host/whole";

/**
 * The file holding the CPU weight of a process's cgroup, or of the cgroup it sits in (the pod's):
 * cgroup v1's cpu.shares where the host has the cpu hierarchy, else v2's cpu.weight.
 */
export function cpuWeightFile(pid: number, level: "own" | "parent" = "own"): string {
  const paths = cgroupPaths(pid);
  const v1 = paths.cpu !== undefined;
  const dir = v1 ? paths.cpu : paths[""];
  return `/sys/fs/cgroup${v1 ? "/cpu" : ""}${level === "parent" ? dir.replace(/\/[^/]+$/, "") : dir}/${v1 ? "cpu.shares" : "cpu.weight"}`;
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

/** After destroy: no container of the pod, no agent keeping it, no cgroup directory. */
export async function expectNothingLeft(pod: string): Promise<void> {
  const { stdout } = await execa("docker", ["ps", "-aq", "--filter", `label=${LABEL_POD}=${pod}`]);
  expect(stdout, `containers labelled ${LABEL_POD}=${pod}`).toBe("");
  expect((await agentsOf(pod)).map((a) => a.name), `agents keeping ${pod}`).toEqual([]);
  expect(cgroupDirs(`pod-${pod}`), `cgroups of ${pod}`).toEqual([]);
  // env-exec's volume, and the tmpfs of the pod's secret variables (components/docker/env-exec.ts).
  expect((await execa("docker", ["volume", "ls", "-q", "--filter", `name=^${pod}-env-exec$`])).stdout, `volumes of ${pod}`).toBe("");
  expect(existsSync(`/var/lib/podlab/env/${pod}`), `env files of ${pod}`).toBe(false);
  // The pod's other host files: its volumes, its declared limits, its completed postStart hooks.
  for (const file of [podDir(pod), `${POD_LIMITS_DIR}/${pod}`, postStartedFile(pod)]) expect(existsSync(file), `${file} of ${pod}`).toBe(false);
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

/** A test file's teardown: destroy the stack, check nothing of its pods is left, remove its copy. */
export async function destroyAndCheck(stack: ScratchStack | undefined, ...pods: string[]): Promise<void> {
  await stack?.destroy();
  for (const pod of pods) await expectNothingLeft(pod);
  await stack?.dispose();
}
