// `npm run inspect -- [STACK] [--lsns | --cgls] [--namespace NS]`: reads the stack's pods from its
// outputs, then what the live host runs for each (the stack's `dockerHost` over SSH, else the local
// engine; a kubernetes stack's pods in podlab's local cluster, whose processes run on this host).
//
// Default (docker-host stacks): namespaces by inode, memory cgroup and the limit the kernel enforces,
// the pod-level limits on the pod's cgroup, and the restarts its agent counted. Exits 1 when a pod is
// split (a member outside its sandbox's network or IPC namespace), when a member is not running
// (unless it completed under restartPolicy OnFailure or Never, as a Kubernetes container may), when
// its agent is not running, or when the pod's cgroup does not enforce the pod-level limits it
// declares, naming each.
//
// --lsns: the walkthrough's `lsns`, limited to the pod's processes, with the container holding each
// namespace. --cgls: its `systemd-cgls`, the pod's cgroup subtree with each level's limits and use.
// Either works on both platforms; they print what the kernel shows and exit 0 once it could be read.
import { describeTarget } from "../components/docker/target";
import { agentStatus, describeContainer, stateName } from "../host/agent";
import { parseArgs } from "node:util";
import { localClusterEnv } from "../host/cri";
import { dockerPodMembers, kubernetesPodMembers, liveDockerPod, splitMembers } from "../host/live";
import { podProcesses } from "../host/pod-processes";
import { cglsView, lsnsView } from "../host/walkthrough-views";
import { declaredPodLimits, podLimitsReport } from "../host/pod-limits";
import { deployedPods } from "../host/stack";
import { liveTable } from "../host/view";

/** --lsns or --cgls: the walkthrough's view of each pod of the stack, on its platform. */
async function walkthroughView(stack: string, view: "lsns" | "cgls", namespace: string) {
  const { layouts, target } = await deployedPods(stack);
  for (const layout of layouts) {
    const docker = layout.platform === "docker";
    const members = docker ? await dockerPodMembers(layout.pod, target) : await kubernetesPodMembers(await localClusterEnv(), layout.pod, namespace);
    const procs = await podProcesses(members, docker ? target : undefined);
    const where = docker ? `docker${target ? ` on ${describeTarget(target)}` : " (local engine)"}` : "kubernetes (local cluster)";
    const title = `pod ${layout.pod} on ${where}: ${procs.processes.length} processes in ${Object.keys(procs.cgroups).length} containers`;
    console.log(view === "lsns" ? lsnsView(title, procs) : cglsView(title, procs));
  }
}

async function main(stack: string) {
  const { layouts, target } = await deployedPods(stack);
  for (const layout of layouts) {
    if (layout.platform !== "docker") throw new Error(`stack ${stack} is not a docker-host stack`);
    const [live, status] = await Promise.all([
      liveDockerPod(layout.pod, target),
      agentStatus(layout.pod, target).catch((err) => {
        problems.push(`pod ${layout.pod}: ${err.shortMessage ?? err.message}`);
        return undefined;
      }),
    ]);
    const where = target ? ` on ${describeTarget(target)}` : "";
    console.log(liveTable(`pod ${layout.pod} on docker${where}, cgroup parent ${layout.cgroupParent}`, live, status));
    const limits = podLimitsReport(layout.pod, layout.cgroupParent, declaredPodLimits(layout.pod, target), live.podLimits);
    console.log(limits.line);
    if (limits.drift) problems.push(limits.drift);
    for (const line of splitMembers(live)) problems.push(`pod ${layout.pod} is split: ${line}`);
    for (const c of layout.containers) {
      if (live.containers.some((x) => x.name === c.name)) continue;
      const s = (c.init ? status?.initContainerStatuses : status?.containerStatuses)?.find((x) => x.name === c.name);
      // Init containers run to completion; other containers only complete under OnFailure or Never.
      const completed = s !== undefined && stateName(s.state) === "terminated" && s.state.terminated!.exitCode === 0 && (c.init || status!.restartPolicy !== "Always");
      const line = completed && c.init
        ? `pod ${layout.pod}: init container ${c.name} completed (exit code 0)`
        : `pod ${layout.pod}: ${c.init ? "init container " : ""}${c.name} is not running${s ? `: ${describeContainer(s)}` : ""}`;
      if (completed) console.log(line);
      else problems.push(line);
    }
  }
  for (const p of problems) console.error(`inspect: ${p}`);
  if (problems.length) process.exitCode = 1;
}

const problems: string[] = [];

async function cli() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { lsns: { type: "boolean", default: false }, cgls: { type: "boolean", default: false }, namespace: { type: "string", default: "default" } },
  });
  if (values.lsns && values.cgls) throw new Error("--lsns and --cgls are two views: ask for one");
  if (positionals.length > 1) throw new Error(`one stack at a time, not ${positionals.join(" ")}`);
  const stack = positionals[0] ?? "docker-host";
  if (values.lsns || values.cgls) return walkthroughView(stack, values.lsns ? "lsns" : "cgls", values.namespace!);
  return main(stack);
}

cli().catch((err) => {
  console.error(`inspect: ${err.message}`);
  process.exit(1);
});
