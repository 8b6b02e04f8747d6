// A pod as the live host runs it, on either platform: for each container its process, the inode of
// each namespace, its hostname, its memory cgroup and the limit the kernel enforces there. A
// docker-host pod is read on its target host (the local engine, or a Docker host over SSH).
import { dirname } from "node:path";
import { DockerTarget, describeTarget } from "../components/docker/target";
import { ContainerLayout, NAMESPACES, Namespace, NamespaceHolding, Platform, PodLayout } from "../components/model/layout";
import { containerName, podContainersOn } from "./docker";
import { LocalCluster, podSandboxes, sandboxContainers } from "./cri";
import type { PodLimits } from "./agent";
import { known, ProcessReport, processReports } from "./proc";
import type { LayoutDifference } from "../components/model/compare";

export interface LiveProcess {
  name: string;
  image: string;
  pid: number;
  inodes: Record<Namespace, string>;
  hostname: string;
  memoryCgroup: string;
  memoryLimit: number | "max";
  /** Its effective capabilities, no_new_privs bit and seccomp mode (/proc/<pid>/status), when readable. */
  security?: ProcessReport["security"];
}

export interface LivePod {
  platform: Platform;
  pod: string;
  sandbox: LiveProcess;
  containers: LiveProcess[];
  /** The limits the kernel enforces on the pod's cgroup (its sandbox's cgroup's parent). */
  podLimits?: PodLimits;
}

/** A process to read: a container's name and image, and its pid on the host. */
export type Member = Pick<LiveProcess, "name" | "image" | "pid">;

/** The pod whose sandbox is the first member, each member read from the target host's /proc in one command. */
export async function livePod(platform: Platform, pod: string, members: Member[], target?: DockerTarget): Promise<LivePod> {
  for (const m of members) if (!m.pid) throw new Error(`container ${m.name} is not running`);
  const reports = await processReports(members.map((m) => m.pid), target);
  const [sandbox, ...containers] = members.map(({ name, image, pid }, i): LiveProcess => {
    const [r, cgroups] = [reports[i], known(reports[i], "cgroups")];
    return { name, image, pid, inodes: known(r, "inodes"), hostname: known(r, "hostname"), memoryCgroup: cgroups.memory ?? cgroups[""], memoryLimit: known(r, "memoryLimit"), ...(r.security ? { security: r.security } : {}) };
  });
  return { platform, pod, sandbox, containers, podLimits: reports[0].parentLimits };
}

/** A docker-host pod's running containers on the target host, its sandbox first. Throws when no sandbox runs. */
export async function dockerPodMembers(pod: string, target?: DockerTarget): Promise<Member[]> {
  const all = (await podContainersOn(target, pod)).filter((c) => c.running);
  const sandbox = all.find((c) => containerName(c) === "sandbox");
  if (!sandbox) throw new Error(`no running sandbox container for pod ${pod} on ${describeTarget(target)}`);
  return [sandbox, ...all.filter((c) => c !== sandbox)].map((c) => ({ name: containerName(c), image: c.image, pid: c.pid }));
}

/** A docker-host pod as the target host's engine and kernel run it (the local engine by default). */
export async function liveDockerPod(pod: string, target?: DockerTarget): Promise<LivePod> {
  return livePod("docker", pod, await dockerPodMembers(pod, target), target);
}

/**
 * A Kubernetes pod's running containers in the local cluster's runtime, its pause container (named
 * "pause") first. Throws when the pod has no ready sandbox.
 */
export async function kubernetesPodMembers(cluster: LocalCluster, pod: string, namespace = "default"): Promise<Member[]> {
  const [sandbox] = (await podSandboxes(cluster, pod, namespace)).filter((s) => s.state === "SANDBOX_READY");
  if (!sandbox) throw new Error(`no ready pod sandbox for ${namespace}/${pod} in the local cluster`);
  const members = (await sandboxContainers(cluster, sandbox.id)).filter((c) => c.state === "CONTAINER_RUNNING");
  return [{ name: "pause", image: sandbox.image, pid: sandbox.pid }, ...members];
}

/** A Kubernetes pod as the local cluster's container runtime and this host's kernel run it. */
export async function liveKubernetesPod(cluster: LocalCluster, pod: string, namespace = "default"): Promise<LivePod> {
  return livePod("kubernetes", pod, await kubernetesPodMembers(cluster, pod, namespace));
}

/** What splitMembers needs of a pod: each process's name and namespace inodes. */
export interface PodInodes {
  sandbox: Pick<LiveProcess, "name" | "inodes">;
  containers: Pick<LiveProcess, "name" | "inodes">[];
}

/** Namespaces every member must share with the sandbox, on either platform. */
const POD_SHARED: readonly Namespace[] = ["net", "ipc"];

/**
 * A "split" pod: members that do not run in their sandbox's current network or IPC namespace (the
 * sandbox restarted under them), one line each naming the container, the namespace and both inodes.
 * Empty when the pod is whole.
 */
export function splitMembers(pod: PodInodes): string[] {
  return pod.containers.flatMap((c) =>
    POD_SHARED.filter((ns) => c.inodes[ns] !== pod.sandbox.inodes[ns]).map((ns) =>
      `${c.name} is in ${ns} namespace ${c.inodes[ns]}, its sandbox in ${pod.sandbox.inodes[ns]}`));
}

/** How a live container holds one namespace, judged against its pod's sandbox. */
function holding(live: LiveProcess, sandbox: LiveProcess, ns: Namespace): NamespaceHolding {
  if (live.inodes[ns] === sandbox.inodes[ns]) return "sandbox";
  return ns === "uts" && live.hostname === sandbox.hostname ? "own, hostname copied" : "own";
}

/** The layout the live host shows; what /proc cannot tell (image, command) comes from the stack's. */
export function liveLayout(live: LivePod, declared: PodLayout): PodLayout {
  const cgroupParents = new Set(live.containers.map((c) => dirname(c.memoryCgroup)));
  return {
    ...declared,
    cgroupParent: [...cgroupParents].join(", "),
    containers: declared.containers.map((d): ContainerLayout => {
      const c = live.containers.find((x) => x.name === d.name);
      // An init container has run to completion: it has no process left to read; it is as declared.
      if (!c && d.init) return d;
      if (!c) return { ...d, image: "(not running)", memoryBytes: 0 };
      const namespaces = Object.fromEntries(NAMESPACES.map((ns) => [ns, holding(c, live.sandbox, ns)])) as ContainerLayout["namespaces"];
      return { ...d, namespaces, memoryBytes: c.memoryLimit === "max" ? 0 : c.memoryLimit };
    }),
  };
}

/** Why a seccomp difference of docker "filter" against kubernetes "disabled" is the platforms'. */
const SECCOMP_DEFAULTS = "no seccompProfile: Docker applies its default filter, a kubelet without seccompDefault (the default) runs the container Unconfined; set seccompProfile to make them agree";

/**
 * The privileges each container of a pod runs with on two platforms, as /proc/<pid>/status shows
 * them (proc(5)): effective capabilities, no_new_privs and seccomp mode, a difference each, by
 * container name. Docker's and containerd's default capability sets are the same list, and both
 * apply allowPrivilegeEscalation and seccompProfile as the manifest says, so only one difference is
 * the platforms': seccomp filtered on docker and disabled on kubernetes, which only an unset
 * seccompProfile gives (Localhost is refused on docker).
 */
export function securityDifferences(left: LivePod, right: LivePod): LayoutDifference[] {
  return left.containers.flatMap((l) => {
    const r = right.containers.find((x) => x.name === l.name);
    if (!r?.security || !l.security) return [];
    const at = `${left.pod}/${l.name}`;
    const out: LayoutDifference[] = [];
    if (l.security.capEff !== r.security.capEff) out.push({ path: `${at}: capabilities`, left: l.security.capEff, right: r.security.capEff });
    if (l.security.noNewPrivs !== r.security.noNewPrivs) out.push({ path: `${at}: no_new_privs`, left: l.security.noNewPrivs, right: r.security.noNewPrivs });
    if (l.security.seccomp !== r.security.seccomp) {
      const [d, k] = left.platform === "docker" ? [l, r] : [r, l];
      const explained = left.platform !== right.platform && d.security!.seccomp === "filter" && k.security!.seccomp === "disabled";
      out.push({ path: `${at}: seccomp`, left: l.security.seccomp, right: r.security.seccomp, ...(explained ? { expectedBecause: SECCOMP_DEFAULTS } : {}) });
    }
    return out;
  });
}
