// What a pod really is on the host, one row per container: the walkthrough's `lsns` and
// `systemd-cgls` views in one table. A namespace the container shares with its sandbox is marked.
import Table from "cli-table3";
import { NAMESPACES, Namespace } from "../components/model/layout";
import { cgroupPaths, memoryLimit, namespaceInodes } from "./proc";

export interface LiveRow {
  container: string;
  image: string;
  pid: number;
  namespaces: Record<Namespace, string>;
  memoryCgroup: string;
  memoryLimit: number | "max";
}

export function liveRow(container: string, image: string, pid: number): LiveRow {
  return { container, image, pid, namespaces: namespaceInodes(pid), memoryCgroup: cgroupPaths(pid).memory ?? cgroupPaths(pid)[""], memoryLimit: memoryLimit(pid) };
}

const mib = (limit: number | "max") => (limit === "max" || limit > 2 ** 50 ? "none" : `${limit / 2 ** 20}Mi`);

/** Rows as a table; the first row is the sandbox, whose namespaces the others are compared with. */
export function liveTable(title: string, rows: LiveRow[]): string {
  const sandbox = rows[0];
  const table = new Table({ head: ["container", "image", "pid", ...NAMESPACES, "memory cgroup", "limit"], style: { head: [], border: [] }, chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" } });
  for (const r of rows) {
    const ns = NAMESPACES.map((n) => (r !== sandbox && r.namespaces[n] === sandbox.namespaces[n] ? `=${r.namespaces[n]}` : r.namespaces[n]));
    table.push([r.container, r.image, r.pid, ...ns, r.memoryCgroup.replace(/[0-9a-f]{64}/, (id) => id.slice(0, 12) + "…"), mib(r.memoryLimit)]);
  }
  return `${title}\n${table.toString()}\n("=" marks a namespace shared with the first row's container)`;
}
