// Every process of a pod, as the kernel of its host shows them: what `lsns` and `systemd-cgls` read,
// limited to the pod. For each container (its main PID known from Docker or the CRI), the processes in
// its cgroup (cgroup.procs: its main process and every child, e.g. gunicorn's workers), each with the
// inode of each namespace and its command line; each container's cgroup with its memory limit, current
// memory use and CPU quota; the pod's cgroup (the containers' parent) likewise; and the host's own
// namespaces (those of the shell that reads the rest, which runs in the host's: PID 1's may be
// unreadable even to root in a container), so that a namespace the pod shares with the host is named so. One shell
// command reads it all, on the local host or over SSH (onHost): one round trip per pod.
import execa from "execa";
import { DockerTarget, describeTarget, onHost } from "../components/docker/target";
import { limitOf } from "./proc";

/** Namespace types as /proc/<pid>/ns names them and `lsns` lists them (namespaces(7)). */
export const NS_TYPES = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"] as const;
export type NsType = (typeof NS_TYPES)[number];

export interface PodProcess {
  /** The container it runs in (the name podlab or Kubernetes gives it; "sandbox" or "pause" for the sandbox). */
  container: string;
  pid: number;
  /** Inode per namespace type, as `readlink /proc/<pid>/ns/<type>` shows it (e.g. "4026532201"). */
  ns: Partial<Record<NsType, string>>;
  /** Its command line, arguments joined by spaces; `[comm]` when it has none (a kernel-style name). */
  command: string;
}

/** A cgroup's limits and use: memory in bytes, CPU as a quota in µs per period in µs; null: none. */
export interface CgroupUsage {
  /** Its path in the hierarchy that holds memory (v1) or the unified one (v2), e.g. /pod-foo/<id>. */
  path: string;
  memoryLimit: number | null;
  memoryCurrent: number | null;
  cpuQuotaUs: number | null;
  cpuPeriodUs: number | null;
}

export interface PodProcesses {
  /** Each container's processes, in the order the containers were given (the sandbox first). */
  processes: PodProcess[];
  /** Each container's cgroup, by container name. */
  cgroups: Record<string, CgroupUsage>;
  /** The pod's cgroup: the parent of its sandbox's cgroup. */
  podCgroup?: CgroupUsage;
  /** The host's own namespaces (the reading shell's). */
  host: Partial<Record<NsType, string>>;
}

/**
 * Arguments: NAME PID pairs. For each, "container NAME PATH" then a "usage" line for its cgroup and,
 * for each PID in its cgroup.procs, "proc PID", "ns TYPE:[INODE]" lines, "cmd ARGS" (NULs as spaces)
 * and "comm NAME". Then the pod's cgroup (the first container's parent) as "pod PATH" and its "usage",
 * and the reading shell's own namespaces as "host TYPE:[INODE]". A "usage" line is memory limit,
 * memory current, CPU quota and CPU period, "-" where a file is missing. cgroup v1 (memory and cpu
 * hierarchies) or v2 (the unified one), as /proc/<pid>/cgroup says; values come as arguments, never
 * spliced into the script.
 */
const SCRIPT = `set -f
root=/sys/fs/cgroup
rd() { if [ -r "$1" ]; then read -r v _ < "$1" && printf '%s' "$v"; else printf -; fi; }
usage() { # usage MEMDIR CPUDIR
  if [ -e "$1/memory.max" ]; then
    printf 'usage %s %s ' "$(rd "$1/memory.max")" "$(rd "$1/memory.current")"
    if [ -r "$2/cpu.max" ]; then read -r q p < "$2/cpu.max"; printf '%s %s\\n' "$q" "$p"; else printf -- '- -\\n'; fi
  else
    printf 'usage %s %s %s %s\\n' "$(rd "$1/memory.limit_in_bytes")" "$(rd "$1/memory.usage_in_bytes")" "$(rd "$2/cpu.cfs_quota_us")" "$(rd "$2/cpu.cfs_period_us")"
  fi
}
first=
while [ $# -ge 2 ]; do
  name=$1 pid=$2; shift 2
  mem= cpu= path=
  while IFS= read -r l; do
    c=\${l#*:} && p=\${c#*:} && c=\${c%%:*}
    case ",$c," in
      ,,) [ -e "$root/cgroup.controllers" ] && path=$p mem=$root$p cpu=$root$p;; # v2 at the root, not hybrid's unified
      *,memory,*) path=$p mem=$root/memory$p;;
    esac
    case ",$c," in *,cpu,*) cpu=$root/cpu$p;; esac
  done < "/proc/$pid/cgroup" || continue
  [ -n "$mem" ] || continue
  [ -n "$first" ] || first="$path $mem $cpu"
  printf 'container %s %s\\n' "$name" "$path"
  usage "$mem" "$cpu"
  for q in $(cat "$mem/cgroup.procs" 2>/dev/null); do
    [ -d "/proc/$q" ] || continue
    printf 'proc %s\\n' "$q"
    for l in $(cd "/proc/$q/ns" 2>/dev/null && readlink ${NS_TYPES.join(" ")}); do printf 'ns %s\\n' "$l"; done
    printf 'cmd %s\\n' "$(tr '\\0' ' ' < "/proc/$q/cmdline" 2>/dev/null)"
    printf 'comm %s\\n' "$(cat "/proc/$q/comm" 2>/dev/null)"
  done
done
if [ -n "$first" ]; then
  set -- $first
  printf 'pod %s\\n' "\${1%/*}"
  usage "\${2%/*}" "\${3%/*}"
fi
for l in $(cd /proc/$$/ns && readlink ${NS_TYPES.join(" ")}); do printf 'host %s\\n' "$l"; done
exit 0`;

function usageOf(path: string, line: string | undefined): CgroupUsage {
  const [mem, cur, quota, period] = (line ?? "").split(" ");
  return { path, memoryLimit: limitOf(mem), memoryCurrent: limitOf(cur), cpuQuotaUs: limitOf(quota), cpuPeriodUs: limitOf(period) };
}

/** The processes in the script's output (see SCRIPT); exported for its unit tests. */
export function parsePodProcesses(text: string): PodProcesses {
  const out: PodProcesses = { processes: [], cgroups: {}, host: {} };
  let container = "";
  let usageFor: ((u: string) => void) | undefined;
  let proc: PodProcess | undefined;
  const inode = (rest: string) => /^(\w+):\[(\d+)\]$/.exec(rest);
  for (const line of text.split("\n")) {
    const sp = line.indexOf(" ");
    const [key, rest] = sp < 0 ? [line, ""] : [line.slice(0, sp), line.slice(sp + 1)];
    if (key === "container") {
      const i = rest.indexOf(" ");
      container = rest.slice(0, i);
      const path = rest.slice(i + 1);
      usageFor = (u) => (out.cgroups[container] = usageOf(path, u));
    } else if (key === "pod") {
      usageFor = (u) => (out.podCgroup = usageOf(rest, u));
    } else if (key === "usage" && usageFor) {
      usageFor(rest);
      usageFor = undefined;
    } else if (key === "proc") {
      proc = { container, pid: Number(rest), ns: {}, command: "" };
      out.processes.push(proc);
    } else if (key === "ns" && proc) {
      const m = inode(rest);
      if (m && (NS_TYPES as readonly string[]).includes(m[1])) proc.ns[m[1] as NsType] = m[2];
    } else if (key === "cmd" && proc) {
      proc.command = rest.trim();
    } else if (key === "comm" && proc) {
      if (!proc.command) proc.command = `[${rest.trim()}]`;
    } else if (key === "host") {
      const m = inode(rest);
      if (m && (NS_TYPES as readonly string[]).includes(m[1])) out.host[m[1] as NsType] = m[2];
    }
  }
  return out;
}

/**
 * The processes of a pod's containers on the target host (the local one by default). `containers`
 * are name and main PID, the sandbox first; a container without a PID (not running) is left out.
 * Throws when the command cannot run on the host (e.g. SSH refused), with its stderr.
 */
export async function podProcesses(containers: { name: string; pid: number }[], target?: DockerTarget): Promise<PodProcesses> {
  const args: string[] = [];
  for (const c of containers) {
    if (!Number.isInteger(c.pid) || c.pid < 0) throw new Error(`container ${c.name}: ${c.pid} is not a process id`);
    if (!/^[A-Za-z0-9_.-]+$/.test(c.name)) throw new Error(`${JSON.stringify(c.name)} is not a container name`);
    if (c.pid > 0) args.push(c.name, String(c.pid));
  }
  const run = await execa(...onHost(target, ["sh", "-c", SCRIPT, "sh", ...args]), { reject: false });
  if (run.exitCode !== 0) throw new Error(`cannot read the pod's processes on ${describeTarget(target)}: ${run.stderr}`);
  return parsePodProcesses(run.stdout);
}
