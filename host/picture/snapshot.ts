// What the picture page (`inspect --html`) draws: each pod of two stacks (or layout files) as the live
// host runs it on each platform, read at one moment: every process and namespace of the pod
// (podProcesses), its members' namespaces by inode and memory limits (livePod), and the differences
// between the platforms, judged as `compare --live` judges them. A side that cannot be read (a stack
// not deployed, a sandbox being restarted) is kept with its error, so that `--watch` draws it too.
import { compareLayouts, LayoutDifference } from "../../components/model/compare";
import { Platform, PodLayout } from "../../components/model/layout";
import { describeTarget } from "../../components/docker/target";
import { localClusterEnv } from "../cri";
import { dockerPodMembers, kubernetesPodMembers, LivePod, liveLayout, livePod, securityDifferences, splitMembers } from "../live";
import { CgroupUsage, PodProcesses, podProcesses } from "../pod-processes";
import { DeployedPods, layoutsFrom } from "../stack";

/**
 * Where one side's pods come from: a stack's outputs, or a file of layouts (pods on the local host).
 * required: named by the user, so that failing to read it is a problem (a default stack that is not
 * deployed is only said on the page).
 */
export interface Source {
  stack?: string;
  file?: string;
  required?: boolean;
}

/** A source as read: how many pods it has, or why it could not be read. */
export interface SourceRead {
  name: string;
  pods?: number;
  error?: string;
  required: boolean;
}

/** One pod on one platform, as read. */
export interface Side {
  /** The stack (or file) it came from. */
  source: string;
  platform?: Platform;
  /** Where it runs, e.g. "docker (local engine)", "kubernetes (local cluster)". */
  where: string;
  /** Why it could not be read; then live and procs are absent. */
  error?: string;
  /** Its source could not be read at all (e.g. a stack not deployed): drawn, but not a problem of the pod. */
  sourceUnread?: boolean;
  /** The layout the stack declares. */
  layout?: PodLayout;
  live?: LivePod;
  procs?: PodProcesses;
  /** splitMembers' lines: members outside their sandbox's network or IPC namespace. */
  split: string[];
}

export interface PodPicture {
  pod: string;
  sides: [Side, Side];
  /** The platforms' differences, numbered in the page in this order; empty when a side is unread. */
  diffs: LayoutDifference[];
}

export interface Snapshot {
  readAt: Date;
  sources: SourceRead[];
  pods: PodPicture[];
}

const millicores = (u: CgroupUsage | undefined) => (u?.cpuQuotaUs == null || !u.cpuPeriodUs ? null : Math.round((u.cpuQuotaUs / u.cpuPeriodUs) * 1000));

/**
 * The pod cgroups' limits on both sides, which `compareLayouts` does not see (layouts hold the
 * containers'): memory in bytes, CPU in millicores, null for none. Both platforms limit a pod's cgroup
 * alike (components/model/pod-limits.ts, the kubelet's ResourceConfigForPod): any difference is one.
 */
export function podCgroupDifferences(pod: string, left: Side, right: Side): LayoutDifference[] {
  const [l, r] = [left.procs?.podCgroup, right.procs?.podCgroup];
  if (!l || !r) return [];
  const out: LayoutDifference[] = [];
  if (l.memoryLimit !== r.memoryLimit) out.push({ path: `${pod}: pod cgroup memory limit`, left: l.memoryLimit, right: r.memoryLimit });
  if (millicores(l) !== millicores(r)) out.push({ path: `${pod}: pod cgroup cpu limit`, left: millicores(l), right: millicores(r) });
  return out;
}

/** Every difference between two read sides of a pod, as `compare --live` finds them, then the pod cgroups'. */
export function sideDifferences(pod: string, left: Side, right: Side): LayoutDifference[] {
  if (!left.live || !right.live || !left.layout || !right.layout) return [];
  return [
    ...compareLayouts(liveLayout(left.live, left.layout), liveLayout(right.live, right.layout)),
    ...securityDifferences(left.live, right.live),
    ...podCgroupDifferences(pod, left, right),
  ];
}

/** The pods a source names, and its host; a stack that cannot be read gives its error instead. */
async function pods(source: Source): Promise<{ name: string; deployed?: DeployedPods; error?: string; required: boolean }> {
  const name = source.file ?? source.stack!;
  const required = source.required ?? true;
  try {
    const deployed = await layoutsFrom(source.stack, source.file);
    return { name, deployed, required };
  } catch (err) {
    return { name, error: (err as Error).message, required };
  }
}

/** One pod on its platform, read now (docker: the source's host; kubernetes: the local cluster). */
async function readSide(source: string, layout: PodLayout, deployed: DeployedPods, namespace: string): Promise<Side> {
  const docker = layout.platform === "docker";
  const where = docker ? `docker (${deployed.target ? describeTarget(deployed.target) : "local engine"})` : "kubernetes (local cluster)";
  const base = { source, platform: layout.platform, where, layout, split: [] };
  try {
    const members = docker ? await dockerPodMembers(layout.pod, deployed.target) : await kubernetesPodMembers(await localClusterEnv(), layout.pod, namespace);
    const target = docker ? deployed.target : undefined;
    const [live, procs] = await Promise.all([livePod(layout.platform, layout.pod, members, target), podProcesses(members, target)]);
    return { ...base, live, procs, split: splitMembers(live) };
  } catch (err) {
    return { ...base, error: (err as Error).message };
  }
}

/**
 * Reads both sources' pods from the live hosts. Pods are matched by name; a pod one side lacks is drawn
 * with that side's reason. Never throws for what it cannot read: the snapshot says it.
 */
export async function takeSnapshot(left: Source, right: Source, namespace = "default"): Promise<Snapshot> {
  const readAt = new Date();
  const sources = await Promise.all([pods(left), pods(right)]);
  const names = [...new Set(sources.flatMap((s) => s.deployed?.layouts.map((l) => l.pod) ?? []))];
  const pictures = await Promise.all(names.map(async (pod): Promise<PodPicture> => {
    const [l, r] = await Promise.all(sources.map((s): Promise<Side> => {
      const layout = s.deployed?.layouts.find((x) => x.pod === pod);
      if (!layout) return Promise.resolve({ source: s.name, where: "", split: [], error: s.error ?? `${s.name} has no pod ${pod}`, sourceUnread: s.error !== undefined });
      return readSide(s.name, layout, s.deployed!, namespace);
    }));
    return { pod, sides: [l, r], diffs: sideDifferences(pod, l, r) };
  }));
  const read = sources.map(({ name, error, required, deployed }): SourceRead => ({ name, required, ...(error ? { error } : { pods: deployed!.layouts.length }) }));
  return { readAt, sources: read, pods: pictures };
}

/**
 * What makes `inspect --html` exit 1, a line each: a source named by the user that could not be read,
 * split pods, pods that could not be read (or that one source lacks) and unexplained differences. A
 * default source that is not deployed is not one: the page says so, and the other is drawn alone.
 */
export function snapshotProblems(s: Snapshot): string[] {
  return [...s.sources.filter((x) => x.error && x.required).map((x) => x.error!), ...s.pods.flatMap((p) => [
    ...p.sides.flatMap((side) => [
      ...side.split.map((line) => `pod ${p.pod} on ${side.platform} is split: ${line}`),
      ...(side.error && !side.sourceUnread ? [`pod ${p.pod} (${side.source}): ${side.error}`] : []),
    ]),
    ...p.diffs.filter((d) => !d.expectedBecause).map((d) => `${d.path}: ${JSON.stringify(d.left)} against ${JSON.stringify(d.right)}  UNEXPECTED`),
  ])];
}
