// Reads what the kernel says about a process: its namespaces and its cgroups. This is the ground
// truth that `lsns` and `systemd-cgls` show, read straight from /proc and /sys/fs/cgroup.
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { NAMESPACES, Namespace } from "../components/model/layout";

/** The inode of each namespace of a process, e.g. { net: "4026532201", ... }. */
export function namespaceInodes(pid: number): Record<Namespace, string> {
  const out = {} as Record<Namespace, string>;
  for (const ns of NAMESPACES) {
    const link = readlinkSync(`/proc/${pid}/ns/${ns}`); // "net:[4026532201]"
    out[ns] = /\[(\d+)\]/.exec(link)![1];
  }
  return out;
}

/** The cgroup path of a process per controller ("" for the cgroup v2 hierarchy). */
export function cgroupPaths(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) for (const c of m[1].split(",")) out[c] = m[2];
  }
  return out;
}

/** The memory limit in bytes that the kernel enforces on a process's memory cgroup. */
export function memoryLimit(pid: number): number | "max" {
  const paths = cgroupPaths(pid);
  if (paths.memory !== undefined && existsSync(`/sys/fs/cgroup/memory${paths.memory}/memory.limit_in_bytes`)) {
    return Number(readFileSync(`/sys/fs/cgroup/memory${paths.memory}/memory.limit_in_bytes`, "utf8"));
  }
  const v2 = readFileSync(`/sys/fs/cgroup${paths[""]}/memory.max`, "utf8").trim();
  return v2 === "max" ? "max" : Number(v2);
}

/** The directories a cgroup name has on this host, in every hierarchy (v1) or the one (v2). */
export function cgroupDirs(name: string): string[] {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").trim().split("\n")
    .map((l) => l.split(" "))
    .filter((f) => ["cgroup", "cgroup2"].includes(f[f.indexOf("-") + 1]))
    .map((f) => f[4]);
  return mounts.map((m) => `${m}/${name.replace(/^\//, "")}`).filter((d) => existsSync(d));
}
