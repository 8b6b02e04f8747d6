// `npm run compare`: the two stacks' pod layouts side by side. Every difference is marked expected
// (with the platform reason) or UNEXPECTED; an unexpected one makes the command exit 1.
//   npm run compare -- [--left docker-host] [--right minikube] [--left-file F] [--right-file F] [--live]
// With --live, namespaces, cgroups, memory limits, each container's privileges (capabilities,
// no_new_privs, seccomp mode from /proc/<pid>/status) and environment (/proc/<pid>/environ, compared
// by value, shown by name only) are read from the running host instead of the stacks' outputs: by /proc inode, from Docker (on a docker-host stack's `dockerHost` over SSH, else
// the local engine) and from the local cluster's container runtime.
import Table from "cli-table3";
import { parseArgs } from "node:util";
import { HELP_OPTION, usageOf } from "./lib/usage";
import { compareLayouts, LayoutDifference } from "../components/model/compare";
import { ContainerLayout, NAMESPACES, PodLayout } from "../components/model/layout";
import { localClusterEnv } from "../host/cri";
import { LivePod, liveDockerPod, liveKubernetesPod, liveLayout, securityDifferences, splitMembers } from "../host/live";
import { envDifferences, liveEnvironments, PlatformValues } from "../host/live-env";
import { runOnHost } from "../components/docker/target";
import { declaredPodLimits, podLimitsReport } from "../host/pod-limits";
import { DeployedPods, layoutsFrom } from "../host/stack";
import { COMPACT } from "../host/view";

const mib = (bytes: number) => `${bytes / 2 ** 20}Mi`;
const show = (c: ContainerLayout | undefined, field: string): string => {
  if (!c) return "(missing)";
  if (field === "memory") return mib(c.memoryBytes);
  if (field === "command") return [...c.command, ...c.args].join(" ") || "(image default)";
  if (field === "image") return c.image;
  if (field === "mounts") return c.mounts.join(" ") || "(none)";
  return c.namespaces[field as (typeof NAMESPACES)[number]];
};

/** With --live: the inode, cgroup and limit behind a cell, e.g. "sandbox 4026532184". */
function liveDetail(live: LivePod | undefined, container: string, field: string): string {
  const c = live?.containers.find((x) => x.name === container);
  if (!c) return "";
  if (field === "memory") return ` ${c.memoryCgroup.replace(/[0-9a-f]{64}$/, (id) => id.slice(0, 12) + "…")}`;
  if ((NAMESPACES as readonly string[]).includes(field)) return ` ${c.inodes[field as (typeof NAMESPACES)[number]]}`;
  return "";
}

/** The live environments of both sides, by container, and what tells their values apart by platform. */
export interface LiveEnv { env: [Map<string, Record<string, string>>, Map<string, Record<string, string>>]; platform: PlatformValues }

/** The side-by-side table of one pod; returns it with the pod's differences. */
export function podTable(left: PodLayout, right: PodLayout, live: [LivePod?, LivePod?] = [], liveEnv?: LiveEnv): { table: string; diffs: LayoutDifference[] } {
  const diffs = [...compareLayouts(left, right), ...(live[0] && live[1] ? securityDifferences(live[0], live[1]) : []),
    ...(live[0] && live[1] && liveEnv ? envDifferences(live[0], live[1], liveEnv.env, liveEnv.platform) : [])];
  const verdict = (pathPart: string) => {
    const d = diffs.filter((x) => x.path === pathPart || x.path.startsWith(`${pathPart} `));
    if (d.length === 0) return "same";
    return d.map((x) => (x.expectedBecause ? `expected: ${x.expectedBecause}` : "UNEXPECTED")).join("; ");
  };
  const table = new Table({ head: ["container", "field", left.platform, right.platform, "verdict"], style: { head: [], border: [] }, wordWrap: true, colWidths: [16, 14, live.length ? 36 : 24, live.length ? 36 : 24, 62], chars: COMPACT });
  table.push(["(pod)", "sandbox", left.sandbox, right.sandbox, verdict(`${left.pod}: sandbox`)]);
  table.push(["(pod)", "cgroup", left.cgroupParent, right.cgroupParent, verdict(`${left.pod}: cgroup parent`)]);
  const names = [...new Set([...left.containers, ...right.containers].map((c) => c.name))];
  for (const name of names) {
    const l = left.containers.find((c) => c.name === name);
    const r = right.containers.find((c) => c.name === name);
    const at = `${left.pod}/${name}`;
    const label = l?.init || r?.init ? `${name} (init)` : name;
    if (!l || !r) {
      table.push([label, "presence", l ? "present" : "missing", r ? "present" : "missing", "UNEXPECTED"]);
      continue;
    }
    table.push([label, "image", show(l, "image"), show(r, "image"), verdict(`${at}: image`)]);
    table.push([label, "command", show(l, "command"), show(r, "command"), [verdict(`${at}: command`), verdict(`${at}: args`)].find((v) => v !== "same") ?? "same"]);
    const cell = (side: 0 | 1, c: ContainerLayout, field: string) => show(c, field) + liveDetail(live[side], name, field);
    table.push([label, "memory", cell(0, l, "memory"), cell(1, r, "memory"), verdict(`${at}: memoryBytes`)]);
    if (l.mounts.length || r.mounts.length) table.push([label, "mounts", show(l, "mounts"), show(r, "mounts"), verdict(`${at}: mounts`)]);
    for (const ns of NAMESPACES) table.push([label, `${ns} ns`, cell(0, l, ns), cell(1, r, ns), verdict(`${at}: ${ns} namespace`)]);
    // With --live: the privileges the kernel gives each container (/proc/<pid>/status).
    const sec = (side: 0 | 1) => live[side]?.containers.find((x) => x.name === name)?.security;
    const [ls, rs] = [sec(0), sec(1)];
    if (ls && rs) {
      table.push([label, "caps", ls.capEff, rs.capEff, verdict(`${at}: capabilities`)]);
      table.push([label, "no_new_privs", String(ls.noNewPrivs), String(rs.noNewPrivs), verdict(`${at}: no_new_privs`)]);
      table.push([label, "seccomp", ls.seccomp, rs.seccomp, verdict(`${at}: seccomp`)]);
    }
    // With --live: the environment, by name (a value may be a Secret's: only its digest shows).
    const envOf = (side: 0 | 1) => liveEnv?.env[side].get(name);
    const [le, re] = [envOf(0), envOf(1)];
    if (le && re) {
      const differing = diffs.filter((d) => d.path.startsWith(`${at}: env `));
      // Expected differences grouped by their reason; an unexpected one with both values' digests.
      const byReason = new Map<string, string[]>();
      for (const d of differing) {
        const v = d.path.slice(`${at}: env `.length);
        const key = d.expectedBecause ? `expected: ${d.expectedBecause}` : "UNEXPECTED";
        byReason.set(key, [...(byReason.get(key) ?? []), d.expectedBecause ? v : `${v} ${d.left} / ${d.right}`]);
      }
      table.push([label, "env", `${Object.keys(le).length} variables`, `${Object.keys(re).length} variables`,
        differing.length === 0 ? "same" : [...byReason].map(([why, vs]) => `${vs.join(", ")}: ${why}`).join("; ")]);
    }
  }
  return { table: table.toString(), diffs };
}

/** The node a side's pod runs on: the Docker host's name (`docker info`), or the local cluster's node. */
async function nodeName(layout: PodLayout, target: DeployedPods["target"]): Promise<string> {
  if (layout.platform === "kubernetes") return (await localClusterEnv()).PODLAB_K8S_NODE;
  return runOnHost(target, ["docker", "info", "--format", "{{.Name}}"]).trim();
}

async function main() {
  const { values } = parseArgs({
    options: {
      left: { type: "string", default: "docker-host" },
      right: { type: "string", default: "minikube" },
      "left-file": { type: "string" },
      "right-file": { type: "string" },
      live: { type: "boolean", default: false },
      namespace: { type: "string", default: "default" },
      ...HELP_OPTION,
    },
  });
  if (values.help) return void console.log(usageOf(__filename));
  const readLive = async (layout: PodLayout, { target }: DeployedPods): Promise<LivePod> =>
    layout.platform === "docker" ? liveDockerPod(layout.pod, target) : liveKubernetesPod(await localClusterEnv(), layout.pod, values.namespace);
  const sides = await Promise.all([layoutsFrom(values.left, values["left-file"]), layoutsFrom(values.right, values["right-file"])]);
  const [left, right] = sides.map((s) => s.layouts);
  let unexpectedCount = 0;
  for (const l of left) {
    const r = right.find((x) => x.pod === l.pod);
    if (!r) {
      console.log(`pod ${l.pod}: only on ${l.platform}  UNEXPECTED`);
      unexpectedCount++;
      continue;
    }
    let shown: [PodLayout, PodLayout] = [l, r];
    let live: [LivePod?, LivePod?] = [];
    let liveEnv: LiveEnv | undefined;
    if (values.live) {
      live = [await readLive(l, sides[0]), await readLive(r, sides[1])];
      const targets = [sides[0].target, sides[1].target];
      liveEnv = {
        env: [await liveEnvironments(live[0]!, l.platform === "docker" ? targets[0] : undefined), await liveEnvironments(live[1]!, r.platform === "docker" ? targets[1] : undefined)],
        platform: { nodeNames: [await nodeName(l, targets[0]), await nodeName(r, targets[1])] },
      };
      shown = [liveLayout(live[0]!, l), liveLayout(live[1]!, r)];
      console.log(`pod ${l.pod}, live: ${l.platform} sandbox pid ${live[0]!.sandbox.pid}, ${r.platform} pause pid ${live[1]!.sandbox.pid}`);
    } else {
      console.log(`pod ${l.pod}`);
    }
    const { table, diffs } = podTable(shown[0], shown[1], live, liveEnv);
    console.log(table);
    unexpectedCount += diffs.filter((d) => !d.expectedBecause).length;
    for (const side of live) {
      for (const line of side ? splitMembers(side) : []) console.log(`pod ${l.pod} on ${side!.platform} is split: ${line}  UNEXPECTED`);
    }
    // The pod-level limits a docker-host pod declares, against its cgroup's (the kubelet keeps a
    // Kubernetes pod's own: nothing to compare them with here).
    for (const [i, side] of live.entries()) {
      const layout = shown[i];
      if (!side || side.platform !== "docker") continue;
      const limits = podLimitsReport(layout.pod, layout.cgroupParent, declaredPodLimits(layout.pod, sides[i].target), side.podLimits);
      console.log(`pod ${l.pod} on docker: ${limits.line}`);
      if (limits.drift) {
        console.log(`${limits.drift}  UNEXPECTED`);
        unexpectedCount++;
      }
    }
  }
  for (const r of right.filter((x) => !left.some((l) => l.pod === x.pod))) {
    console.log(`pod ${r.pod}: only on ${r.platform}  UNEXPECTED`);
    unexpectedCount++;
  }
  console.log(unexpectedCount === 0 ? "layouts match (every difference is one the platforms explain)" : `${unexpectedCount} unexpected difference(s)`);
  process.exitCode = unexpectedCount === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`compare: ${err.message}`);
    process.exit(2);
  });
}
