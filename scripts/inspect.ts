// `npx tsx scripts/inspect.ts STACK`: reads the stack's pods from its outputs, then what the live
// host runs for each (the stack's `dockerHost` over SSH, else the local engine): namespaces by
// inode, memory cgroup and the limit the kernel enforces, the pod-level limits on the pod's cgroup,
// and the restarts its agent counted. Exits 1 when a pod is split (a member outside its sandbox's
// network or IPC namespace), when a member is not running (unless it completed under restartPolicy
// OnFailure or Never, as a Kubernetes container may), when its agent is not running, or when the
// pod's cgroup does not enforce the pod-level limits it declares, naming each.
import { describeTarget } from "../components/docker/target";
import { agentStatus, describeContainer, stateName } from "../host/agent";
import { liveDockerPod, splitMembers } from "../host/live";
import { declaredPodLimits, podLimitsReport } from "../host/pod-limits";
import { deployedPods } from "../host/stack";
import { liveTable } from "../host/view";

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

main(process.argv[2] ?? "docker-host").catch((err) => {
  console.error(`inspect: ${err.message}`);
  process.exit(1);
});
