// `npm run inspect -- [STACK] [--lsns | --cgls] [--namespace NS]`
// `npm run inspect -- --html FILE [--watch [--every S]] [--left STACK] [--right STACK]`: reads the stack's pods from its
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
//
// --html FILE: the picture page (host/picture): each pod of two stacks (--left, default docker-host;
// --right, default minikube; or --left-file/--right-file, layouts as `compare` takes them) drawn side by
// side from the live hosts, differences numbered with the platforms' reasons. One self-contained file.
// Exits 1 when a pod is split, unreadable or differs in a way the platforms do not explain, or when a
// stack named with --left or --right cannot be read (a default one that is not deployed is only said).
// With --watch it is rewritten every --every seconds (default 3) and reloads itself, until Ctrl-C.
import { describeTarget } from "../components/docker/target";
import { agentStatus, describeContainer, stateName } from "../host/agent";
import { parseArgs } from "node:util";
import { HELP_OPTION, usageOf } from "./lib/usage";
import { localClusterEnv } from "../host/cri";
import { dockerPodMembers, kubernetesPodMembers, liveDockerPod, splitMembers } from "../host/live";
import { podProcesses } from "../host/pod-processes";
import { cglsView, lsnsView } from "../host/walkthrough-views";
import { declaredPodLimits, podLimitsReport } from "../host/pod-limits";
import { deployedPods } from "../host/stack";
import { picturePage } from "../host/picture/page";
import { Snapshot, snapshotProblems, Source, takeSnapshot } from "../host/picture/snapshot";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
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

/** Writes the page whole or not at all (a browser reloading it never reads half a page). */
function writePage(file: string, html: string) {
  writeFileSync(`${file}.tmp`, html);
  renameSync(`${file}.tmp`, file);
}

/**
 * --html: the picture page once, or with --watch every `every` seconds until SIGINT or SIGTERM (Ctrl-C),
 * after which the last page is written once more saying that it is no longer rewritten.
 */
async function picture(file: string, left: Source, right: Source, namespace: string, watch: boolean, every: number) {
  let last: Snapshot | undefined;
  let stopping = false;
  if (watch) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        stopping = true;
        if (last) writePage(file, picturePage(last, { every, stoppedAt: new Date() }));
        console.log(`stopped: ${file} is no longer rewritten`);
        process.exit(signal === "SIGINT" ? 130 : 143);
      });
    }
  }
  for (;;) {
    const t0 = Date.now();
    const snapshot = await takeSnapshot(left, right, namespace);
    if (stopping) return;
    last = snapshot;
    writePage(file, picturePage(snapshot, watch ? { every } : undefined));
    const found = snapshotProblems(snapshot);
    const pods = snapshot.pods.length;
    console.log(`${watch ? `[${snapshot.readAt.toISOString().slice(11, 19)}] ` : ""}wrote ${file}: ${pods} pod${pods === 1 ? "" : "s"}, read in ${Date.now() - t0} ms${found.length ? `, ${found.length} problem${found.length === 1 ? "" : "s"}` : ""}`);
    for (const x of snapshot.sources.filter((x) => x.error && !x.required)) console.error(`inspect: ${x.name}: not read: ${x.error}`);
    if (!watch) {
      if (!pods) found.push("no pod could be read from either source");
      for (const p of found) console.error(`inspect: ${p}`);
      if (found.length) process.exitCode = 1;
      return;
    }
    for (const line of found) console.error(`inspect: ${line}`);
    await new Promise((r) => setTimeout(r, Math.max(0, every * 1000 - (Date.now() - t0))));
  }
}

async function cli() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      lsns: { type: "boolean", default: false },
      cgls: { type: "boolean", default: false },
      namespace: { type: "string", default: "default" },
      html: { type: "string" },
      watch: { type: "boolean", default: false },
      every: { type: "string", default: "3" },
      left: { type: "string" },
      right: { type: "string" },
      "left-file": { type: "string" },
      "right-file": { type: "string" },
      ...HELP_OPTION,
    },
  });
  if (values.help) return void console.log(usageOf(__filename));
  if (values.html !== undefined) {
    if (values.lsns || values.cgls) throw new Error("--html draws the page; --lsns and --cgls print a view: ask for one");
    if (positionals.length) throw new Error(`with --html, name the stacks with --left and --right (or --left-file and --right-file), not ${positionals.join(" ")}`);
    if (!values.html || values.html.startsWith("-")) throw new Error(`--html needs the file to write, not '${values.html}'`);
    const every = Number(values.every);
    if (!Number.isFinite(every) || every < 1 || every > 3600) throw new Error(`--every is seconds between rewrites, 1 to 3600, not '${values.every}'`);
    if (!existsSync(dirname(resolve(values.html)))) throw new Error(`--html: the folder ${dirname(resolve(values.html))} does not exist`);
    // A stack the user named must be read; a default one may be missing (only the playground's is up).
    const side = (file: string | undefined, stack: string | undefined, dflt: string): Source =>
      file ? { file } : { stack: stack ?? dflt, required: stack !== undefined };
    const left = side(values["left-file"], values.left, "docker-host");
    const right = side(values["right-file"], values.right, "minikube");
    return picture(values.html, left, right, values.namespace!, values.watch!, every);
  }
  if (values.watch) throw new Error("--watch rewrites the --html page: give --html FILE");
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
