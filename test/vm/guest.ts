// What the VM suite reads inside the guest, over the pinned SSH connection: each pod container's
// namespaces, cgroup and the limits the kernel enforces there (cgroup v2 files), and the pod slices.
import { runOnHost, SshHost } from "../../components/docker/target";

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

const PROBE = `
for id in $(docker ps -q --no-trunc --filter "label=podlab.dev/pod=$1"); do
  set -- "$1" $(docker inspect -f '{{.State.Pid}} {{index .Config.Labels "podlab.dev/container"}} {{.State.StartedAt}}' "$id")
  pid=$2; cg=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
  printf '%s %s %s %s %s' "$id" "$pid" "$3" "$4" "$cg"
  for n in net ipc uts pid mnt; do printf ' %s' "$(readlink /proc/$pid/ns/$n)"; done
  printf ' %s\\n' "$(cat /sys/fs/cgroup$cg/memory.max)"
done`;

/** The running containers of pod `pod` in the guest. */
export function guestPod(h: SshHost, pod: string): Record<string, GuestContainer> {
  const out: Record<string, GuestContainer> = {};
  for (const line of guest(h, PROBE, pod).trim().split("\n").filter(Boolean)) {
    const [id, pid, name, startedAt, cgroup, net, ipc, uts, pidNs, mnt, max] = line.split(" ");
    out[name] = { id, pid: Number(pid), name, startedAt, cgroup, ns: { net, ipc, uts, pid: pidNs, mnt }, memoryMax: max === "max" ? "max" : Number(max) };
  }
  return out;
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
