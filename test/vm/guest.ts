// What the VM suite reads inside the guest, over the pinned SSH connection: each pod container's
// namespaces, cgroup and the limits the kernel enforces there (cgroup v2 files), and the pod slices.
import { runOnHost, SshHost } from "../../components/docker/target";
import { containerName, podContainersOn } from "../../host/docker";
import { known, processReports } from "../../host/proc";

export interface GuestContainer {
  name: string;
  id: string;
  pid: number;
  startedAt: string;
  ns: Record<"net" | "ipc" | "uts" | "pid" | "mnt", string>;
  /** The cgroup v2 path, e.g. /pod.slice/pod-web.slice/docker-<id>.scope. */
  cgroup: string;
  /** memory.max of that cgroup, in bytes, or "max". */
  memoryMax: number | "max";
}

/** Runs a shell command in the guest (constant scripts; values as positional arguments). */
export const guest = (h: SshHost, script: string, ...args: string[]) => runOnHost(h, ["sh", "-c", script, "sh", ...args]);

/** The running containers of pod `pod` in the guest, read with podlab's own live readers (host/). */
export async function guestPod(h: SshHost, pod: string): Promise<Record<string, GuestContainer>> {
  const running = (await podContainersOn(h, pod)).filter((c) => c.running);
  const reports = await processReports(running.map((c) => c.pid), h);
  return Object.fromEntries(running.map((c, i) => [containerName(c), {
    id: c.id, pid: c.pid, name: containerName(c), startedAt: c.startedAt,
    ns: known(reports[i], "inodes"), cgroup: known(reports[i], "cgroups")[""], memoryMax: known(reports[i], "memoryLimit"),
  }]));
}

/** A slice's memory.max ("max", bytes), or undefined when the slice's cgroup does not exist. */
export function sliceMemoryMax(h: SshHost, cgroupPath: string): number | "max" | undefined {
  const v = guest(h, `cat "/sys/fs/cgroup$1/memory.max" 2>/dev/null || echo none`, cgroupPath).trim();
  return v === "none" ? undefined : v === "max" ? "max" : Number(v);
}

/** What podlab leaves of pods in the guest: pod slice units, their files, their cgroups, containers. */
export function podLeftovers(h: SshHost): string {
  return guest(h, `
systemctl list-units --all --no-legend --plain 'pod-*.slice' | awk '{print "unit " $1}'
ls /etc/systemd/system /run/systemd/system 2>/dev/null | grep '^pod-' | sed 's/^/file /'
ls /sys/fs/cgroup/pod.slice 2>/dev/null | grep '^pod-' | sed 's/^/cgroup /'
docker ps -aq --filter label=podlab.dev/pod | sed 's/^/container /'
true`).trim();
}
