// What a pod really is on the host, one row per container: the walkthrough's `lsns` and
// `systemd-cgls` views in one table. A namespace the container shares with its sandbox is marked.
import Table from "cli-table3";
import { NAMESPACES } from "../components/model/layout";
import { LivePod } from "./live";

/** Table borders without a rule between rows: one pod fits on a screen. */
export const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

const mib = (limit: number | "max") => (limit === "max" || limit > 2 ** 50 ? "none" : `${limit / 2 ** 20}Mi`);

/** The pod as a table: its sandbox first, then each container, its namespaces compared with the sandbox's. */
export function liveTable(title: string, pod: LivePod): string {
  const table = new Table({ head: ["container", "image", "pid", ...NAMESPACES, "memory cgroup", "limit"], style: { head: [], border: [] }, chars: COMPACT });
  for (const r of [pod.sandbox, ...pod.containers]) {
    const ns = NAMESPACES.map((n) => (r !== pod.sandbox && r.inodes[n] === pod.sandbox.inodes[n] ? `=${r.inodes[n]}` : r.inodes[n]));
    table.push([r.name, r.image, r.pid, ...ns, r.memoryCgroup.replace(/[0-9a-f]{64}/, (id) => id.slice(0, 12) + "…"), mib(r.memoryLimit)]);
  }
  return `${title}\n${table.toString()}\n("=" marks a namespace shared with the first row's container)`;
}
