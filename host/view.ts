// What a pod really is on the host, one row per container: the walkthrough's `lsns` and
// `systemd-cgls` views in one table. A namespace the container shares with its sandbox is marked.
import Table from "cli-table3";
import { NAMESPACES } from "../components/model/layout";
import { AgentPodStatus } from "./agent";
import { LivePod } from "./live";

/** Table borders without a rule between rows: one pod fits on a screen. */
export const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

const mib = (limit: number | "max") => (limit === "max" || limit > 2 ** 50 ? "none" : `${limit / 2 ** 20}Mi`);

/**
 * The pod as a table: its sandbox first, then each container, its namespaces compared with the
 * sandbox's; with the agent's status (docker-host pods), each container's restart count.
 */
export function liveTable(title: string, pod: LivePod, status?: AgentPodStatus): string {
  const head = ["container", "image", "pid", ...NAMESPACES, "memory cgroup", "limit"];
  if (status) head.push("restarts");
  const table = new Table({ head, style: { head: [], border: [] }, chars: COMPACT });
  for (const r of [pod.sandbox, ...pod.containers]) {
    const ns = NAMESPACES.map((n) => (r !== pod.sandbox && r.inodes[n] === pod.sandbox.inodes[n] ? `=${r.inodes[n]}` : r.inodes[n]));
    const row: (string | number)[] = [r.name, r.image, r.pid, ...ns, r.memoryCgroup.replace(/[0-9a-f]{64}/, (id) => id.slice(0, 12) + "…"), mib(r.memoryLimit)];
    if (status) {
      const s = r === pod.sandbox ? status.sandbox : status.containerStatuses.find((c) => c.name === r.name);
      row.push(s?.restartCount ?? "?");
    }
    table.push(row);
  }
  const phase = status ? `\nphase ${status.phase}, ${status.ready ? "ready" : "not ready"} (restart policy ${status.restartPolicy})` : "";
  return `${title}\n${table.toString()}\n("=" marks a namespace shared with the first row's container)${phase}`;
}
