// The walkthrough's own views of a live pod ("How Pods Really Work"): `lsns` (which process holds
// which namespace) and `systemd-cgls` (the cgroup tree with the pod's containers under it), drawn from
// PodProcesses (pod-processes.ts), so they show the pod alone, whatever else the host runs.
import Table from "cli-table3";
import { CgroupUsage, NS_TYPES, NsType, PodProcesses } from "./pod-processes";

const PLAIN = { top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "", left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: " " };

/** One namespace the pod's processes are in: lsns's row, with who holds it and who is in it. */
export interface NamespaceRow {
  ns: string;
  type: NsType;
  /** How many of the pod's processes are in it (lsns counts the whole host's). */
  nprocs: number;
  /** The lowest PID in it among the pod's processes, and its command line: lsns's PID and COMMAND. */
  pid: number;
  command: string;
  /**
   * Who holds it: "host" when it is the host's own (the pod did not get one), the sandbox when the
   * sandbox is in it (it was made for the pod and members joined it), else the first container in it in
   * the pod's order (the one it was made for).
   */
  holder: string;
  /** The containers with a process in it, in the pod's order. */
  containers: string[];
}

/**
 * lsns's rows for a pod: each namespace any of its processes is in, sorted as lsns sorts them (by
 * inode). The first container given to podProcesses is the sandbox. Source of the columns: lsns(8).
 */
export function namespaceRows(p: PodProcesses): NamespaceRow[] {
  const order = [...new Set(p.processes.map((x) => x.container))];
  const sandbox = order[0];
  const rows = new Map<string, NamespaceRow>();
  for (const proc of p.processes) {
    for (const type of NS_TYPES) {
      const ns = proc.ns[type];
      if (!ns) continue;
      const key = `${type}:${ns}`;
      const row = rows.get(key) ?? { ns, type, nprocs: 0, pid: proc.pid, command: proc.command, holder: "", containers: [] };
      row.nprocs++;
      if (proc.pid < row.pid) Object.assign(row, { pid: proc.pid, command: proc.command });
      if (!row.containers.includes(proc.container)) row.containers.push(proc.container);
      rows.set(key, row);
    }
  }
  for (const row of rows.values()) {
    row.containers.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    // By the pod's order, not by PID: after the PID counter wraps, a later process may have a lower one.
    row.holder = p.host[row.type] === row.ns ? "host" : row.containers.includes(sandbox) ? sandbox : row.containers[0];
  }
  return [...rows.values()].sort((a, b) => Number(a.ns) - Number(b.ns) || a.type.localeCompare(b.type));
}

/** A text cut to n characters, its end replaced by "…". */
export const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `lsns` for the pod: NS TYPE NPROCS PID COMMAND as lsns prints them, then HOLDER and CONTAINERS. */
export function lsnsView(title: string, p: PodProcesses): string {
  const table = new Table({ head: ["NS", "TYPE", "NPROCS", "PID", "COMMAND", "HOLDER", "CONTAINERS"], chars: PLAIN, style: { head: [], border: [], "padding-left": 0, "padding-right": 1 } });
  for (const r of namespaceRows(p)) table.push([r.ns, r.type, r.nprocs, r.pid, cut(r.command, 40), r.holder, r.containers.join(",")]);
  return `${title}\n${table.toString()}\n(HOLDER: host = the host's own namespace; NPROCS counts the pod's processes only)`;
}

/** A container ID in a cgroup's name cut to Docker's short form, as `docker ps` shows it. */
const shortId = (name: string) => name.replace(/[0-9a-f]{64}/, (id) => `${id.slice(0, 12)}…`);

/** Bytes in MiB with one decimal, as "37.9Mi". */
export const mib = (b: number) => `${Math.round((b / 2 ** 20) * 10) / 10}Mi`;

/** A cgroup's limits and use as one phrase: memory limit and use (MiB), CPU limit (millicores). */
export function usagePhrase(u: CgroupUsage | undefined): string {
  if (!u) return "(not readable)";
  const mem = `memory ${u.memoryLimit === null ? "no limit" : `${mib(u.memoryLimit)} limit`}, ${u.memoryCurrent === null ? "use unknown" : `${mib(u.memoryCurrent)} in use`}`;
  const cpu = u.cpuQuotaUs === null || !u.cpuPeriodUs ? "cpu no limit" : `cpu ${Math.round((u.cpuQuotaUs / u.cpuPeriodUs) * 1000)}m limit`;
  return `${mem}; ${cpu}`;
}

/**
 * `systemd-cgls` for the pod: its cgroup, each container's cgroup under it (named, with its limits and
 * use), and each process's PID and command line, drawn as systemd-cgls draws its tree (├─ └─ │).
 */
export function cglsView(title: string, p: PodProcesses): string {
  const lines = [title, `Control group ${p.podCgroup?.path ?? "?"} (${usagePhrase(p.podCgroup)}):`];
  const containers = Object.keys(p.cgroups);
  containers.forEach((name, i) => {
    const last = i === containers.length - 1;
    const cg = p.cgroups[name];
    lines.push(`${last ? "└─" : "├─"}${shortId(cg.path.split("/").pop()!)} [${name}] (${usagePhrase(cg)})`);
    const procs = p.processes.filter((x) => x.container === name);
    procs.forEach((proc, j) => lines.push(`${last ? "  " : "│ "}${j === procs.length - 1 ? "└─" : "├─"}${proc.pid} ${cut(proc.command, 70)}`));
  });
  return lines.join("\n");
}
