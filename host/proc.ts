// Reads what the kernel says about a process on the target host (the local one, or a Docker host over
// SSH): its namespaces and its cgroups. This is the ground truth that `lsns` and `systemd-cgls` show,
// read straight from /proc and /sys/fs/cgroup by one shell command for any number of processes, so a
// remote host costs one SSH round trip per pod, not one per file.
import execa from "execa";
import { DockerTarget, describeTarget, hostPathExists, onHost, readHostFile } from "../components/docker/target";
import { NAMESPACES, Namespace } from "../components/model/layout";

/** What /proc and /sys/fs/cgroup say about one process; a field is missing where it could not be read. */
export interface ProcessReport {
  pid: number;
  /** The inode of each namespace, e.g. { net: "4026532201", ... }. */
  inodes?: Record<Namespace, string>;
  /** The cgroup path per controller ("" for the cgroup v2 hierarchy). */
  cgroups?: Record<string, string>;
  /** The hostname the process sees, read inside its UTS namespace. */
  hostname?: string;
  /** The memory limit in bytes that the kernel enforces on its memory cgroup. */
  memoryLimit?: number | "max";
  /**
   * The limits on its cgroup's parent, the pod's cgroup for a pod's container: memory in bytes, CPU
   * quota in µs per period (null: none).
   */
  parentLimits?: { memoryBytes: number | null; cpuQuotaUs: number | null };
  /**
   * What /proc/<pid>/status says of its privileges: the effective capability set (hex, as CapEff
   * shows it), the no_new_privs bit, and the seccomp mode (0 disabled, 1 strict, 2 filter).
   */
  security?: { capEff: string; noNewPrivs: boolean; seccomp: "disabled" | "strict" | "filter" };
}

/**
 * For each PID argument, lines "pid P", "ns LINK" for each namespace ("net:[4026532201]"), "cgroup
 * LINE" for each line of /proc/P/cgroup, "hostname H" (read inside its UTS namespace), and "limit L":
 * memory.limit_in_bytes of its v1 memory cgroup where the host has that hierarchy, else memory.max of
 * its v2 cgroup (a v2-only host has no v1 line); "pmem L" and "pcpu Q", the same for its cgroup's
 * parent (the pod's cgroup) with the CPU quota (cpu.cfs_quota_us, or cpu.max's first field); "status
 * KEY VALUE" for CapEff, NoNewPrivs and Seccomp of /proc/P/status (proc(5)). PIDs come
 * as arguments, never as part of the script; it runs few programs, as each costs on a slow remote host.
 */
const REPORT_SCRIPT = `set -f
for p; do
  printf 'pid %s\\n' "$p"
  for l in $(cd "/proc/$p/ns" && readlink ${NAMESPACES.join(" ")}); do printf 'ns %s\\n' "$l"; done
  v1= v2= pm1= pm2= pc1= pc2= l=
  while IFS= read -r l; do
    printf 'cgroup %s\\n' "$l"
    c=\${l#*:} && path=\${c#*:} && c=\${c%%:*}
    case ",$c," in
      *,memory,*) v1=/sys/fs/cgroup/memory$path/memory.limit_in_bytes pm1=/sys/fs/cgroup/memory\${path%/*}/memory.limit_in_bytes;;
      *,cpu,*) pc1=/sys/fs/cgroup/cpu\${path%/*}/cpu.cfs_quota_us;;
      ,,) v2=/sys/fs/cgroup$path/memory.max pm2=/sys/fs/cgroup\${path%/*}/memory.max pc2=/sys/fs/cgroup\${path%/*}/cpu.max;;
    esac
  done < "/proc/$p/cgroup"
  printf 'hostname %s\\n' "$(nsenter --target "$p" --uts cat /proc/sys/kernel/hostname)"
  while read -r k v; do case "$k" in CapEff:|NoNewPrivs:|Seccomp:) printf 'status %s %s\\n' "\${k%:}" "$v";; esac; done < "/proc/$p/status"
  f=$v2 && [ -n "$v1" ] && [ -e "$v1" ] && f=$v1
  [ -n "$f" ] && read -r l < "$f" && printf 'limit %s\\n' "$l"
  f=$pm2 && [ -n "$pm1" ] && [ -e "$pm1" ] && f=$pm1
  [ -n "$f" ] && [ -e "$f" ] && read -r l < "$f" && printf 'pmem %s\\n' "$l"
  f=$pc2 && [ -n "$pc1" ] && [ -e "$pc1" ] && f=$pc1
  [ -n "$f" ] && [ -e "$f" ] && read -r l _ < "$f" && printf 'pcpu %s\\n' "$l"
done
exit 0`;

const reportArgv = (pids: number[]) => {
  for (const pid of pids) if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${pid} is not a process id`);
  return ["sh", "-c", REPORT_SCRIPT, "sh", ...pids.map(String)];
};

/**
 * A cgroup limit file's value as a number, or null for no limit: "max" (v2), -1 (v1 CPU quota), v1's
 * largest page-aligned memory value (PAGE_COUNTER_MAX pages), or nothing readable ("-", missing).
 */
export const limitOf = (v: string | undefined): number | null =>
  v === undefined || !/^-?\d+$/.test(v) || Number(v) < 0 || Number(v) >= 2 ** 62 ? null : Number(v);

/** The reports in REPORT_SCRIPT's output, in its order; what a line does not give stays missing. */
export function parseProcessReports(text: string): ProcessReport[] {
  const reports: (Omit<ProcessReport, "inodes" | "cgroups"> & { inodes: Partial<Record<Namespace, string>>; cgroups: Record<string, string>; pmem?: string; pcpu?: string; status: Record<string, string> })[] = [];
  for (const line of text.split("\n")) {
    const [key, rest] = [line.split(" ", 1)[0], line.slice(line.indexOf(" ") + 1)];
    const r = reports[reports.length - 1];
    if (key === "pid") reports.push({ pid: Number(rest), inodes: {}, cgroups: {}, status: {} });
    else if (!r) continue;
    else if (key === "ns") {
      const m = /^(\w+):\[(\d+)\]$/.exec(rest); // "net:[4026532201]"
      if (m) r.inodes[m[1] as Namespace] = m[2];
    } else if (key === "cgroup") {
      const m = /^\d+:([^:]*):(.*)$/.exec(rest);
      if (m) for (const c of m[1].split(",")) r.cgroups[c] = m[2];
    } else if (key === "hostname") r.hostname = rest;
    else if (key === "limit" && /^(\d+|max)$/.test(rest)) r.memoryLimit = rest === "max" ? "max" : Number(rest);
    else if (key === "pmem" && /^(\d+|max)$/.test(rest)) r.pmem = rest;
    else if (key === "pcpu" && /^(-?\d+|max)$/.test(rest)) r.pcpu = rest;
    else if (key === "status") r.status[rest.split(" ")[0]] = rest.slice(rest.indexOf(" ") + 1);
  }
  const SECCOMP = ["disabled", "strict", "filter"] as const;
  return reports.map((r) => ({
    pid: r.pid,
    inodes: NAMESPACES.every((ns) => r.inodes[ns]) ? (r.inodes as Record<Namespace, string>) : undefined,
    cgroups: Object.keys(r.cgroups).length ? r.cgroups : undefined,
    hostname: r.hostname || undefined,
    memoryLimit: r.memoryLimit,
    parentLimits: r.pmem === undefined && r.pcpu === undefined ? undefined : { memoryBytes: limitOf(r.pmem), cpuQuotaUs: limitOf(r.pcpu) },
    security: r.status.CapEff === undefined ? undefined : {
      capEff: r.status.CapEff, noNewPrivs: r.status.NoNewPrivs === "1", seccomp: SECCOMP[Number(r.status.Seccomp ?? 0)] ?? "disabled",
    },
  }));
}

const WHAT = { inodes: "namespaces", cgroups: "cgroups", hostname: "hostname", memoryLimit: "memory limit" };

/** A field of a report; throws, naming the process, when it could not be read (e.g. it has exited). */
export function known<K extends keyof typeof WHAT>(r: ProcessReport, key: K): NonNullable<ProcessReport[K]> {
  if (r[key] === undefined) throw new Error(`cannot read the ${WHAT[key]} of process ${r.pid}`);
  return r[key]!;
}

/** The reports of a run of REPORT_SCRIPT; throws, with its stderr, when it could not run (e.g. no SSH). */
function reportsOf(run: execa.ExecaReturnBase<string>, target: DockerTarget): ProcessReport[] {
  if (run.exitCode !== 0) throw new Error(`cannot read /proc on ${describeTarget(target)}: ${run.stderr}`);
  return parseProcessReports(run.stdout);
}

/** What the target host's kernel says about each process, in one command. */
export const processReports = async (pids: number[], target?: DockerTarget) =>
  reportsOf(await execa(...onHost(target, reportArgv(pids)), { reject: false }), target);

/** What the target host's kernel says about one process (synchronously). */
const processReport = (pid: number, target?: DockerTarget) => reportsOf(execa.sync(...onHost(target, reportArgv([pid])), { reject: false }), target)[0];

/** The inode of each namespace of a process on the target host, e.g. { net: "4026532201", ... }. */
export const namespaceInodes = (pid: number, target?: DockerTarget) => known(processReport(pid, target), "inodes");

/** The cgroup path of a process on the target host per controller ("" for the cgroup v2 hierarchy). */
export const cgroupPaths = (pid: number, target?: DockerTarget) => known(processReport(pid, target), "cgroups");

/** The memory limit in bytes that the target host's kernel enforces on a process's memory cgroup (v1 or v2). */
export const memoryLimit = (pid: number, target?: DockerTarget) => known(processReport(pid, target), "memoryLimit");

/** The directories a cgroup name has on the target host, in every hierarchy (v1) or the one (v2). */
export function cgroupDirs(name: string, target?: DockerTarget): string[] {
  const mountinfo = readHostFile(target, "/proc/self/mountinfo");
  if (mountinfo === undefined) throw new Error(`cannot read /proc/self/mountinfo on ${describeTarget(target)}`);
  const mounts = mountinfo.trim().split("\n")
    .map((l) => l.split(" "))
    .filter((f) => ["cgroup", "cgroup2"].includes(f[f.indexOf("-") + 1]))
    .map((f) => f[4]);
  return mounts.map((m) => `${m}/${name.replace(/^\//, "")}`).filter((d) => hostPathExists(target, d));
}
