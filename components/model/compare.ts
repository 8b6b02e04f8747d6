// Compares two pod layouts field by field and says which differences the platforms explain.
import { ContainerLayout, NAMESPACES, PLATFORM_NAMESPACES, PodLayout } from "./layout";

export interface LayoutDifference {
  /** Where, e.g. "foo/app: uts". */
  path: string;
  left: unknown;
  right: unknown;
  /** Set when the platforms explain the difference. */
  expectedBecause?: string;
}

const SAME = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function platformsDiffer(left: PodLayout, right: PodLayout): boolean {
  return left.platform !== right.platform;
}

function compareContainer(pod: string, l: ContainerLayout, r: ContainerLayout, left: PodLayout, right: PodLayout): LayoutDifference[] {
  const out: LayoutDifference[] = [];
  const at = `${pod}/${l.name}`;
  for (const field of ["init", "image", "command", "args", "memoryBytes", "cpuMillis", "ports", "mounts"] as const) {
    if (!SAME(l[field], r[field])) out.push({ path: `${at}: ${field}`, left: l[field], right: r[field] });
  }
  for (const ns of NAMESPACES) {
    if (l.namespaces[ns] === r.namespaces[ns]) continue;
    // A namespace difference is expected only when each side holds it the way its platform promises.
    const promised =
      platformsDiffer(left, right) &&
      l.namespaces[ns] === PLATFORM_NAMESPACES[left.platform][ns] &&
      r.namespaces[ns] === PLATFORM_NAMESPACES[right.platform][ns];
    out.push({
      path: `${at}: ${ns} namespace`,
      left: l.namespaces[ns],
      right: r.namespaces[ns],
      ...(promised ? { expectedBecause: "Docker cannot share a UTS namespace (--uts takes only 'host'); Kubernetes' pause container holds it" } : {}),
    });
  }
  return out;
}

/** Every difference between two layouts of the same pod; those the platforms explain say why. */
export function compareLayouts(left: PodLayout, right: PodLayout): LayoutDifference[] {
  const out: LayoutDifference[] = [];
  const pod = left.pod;
  if (left.pod !== right.pod) out.push({ path: "pod name", left: left.pod, right: right.pod });
  if (left.sandbox !== right.sandbox) {
    out.push({
      path: `${pod}: sandbox`, left: left.sandbox, right: right.sandbox,
      ...(platformsDiffer(left, right) ? { expectedBecause: "Docker's pod is held by podlab's sandbox container; Kubernetes adds its pause container" } : {}),
    });
  }
  if (left.cgroupParent !== right.cgroupParent) {
    out.push({
      path: `${pod}: cgroup parent`, left: left.cgroupParent, right: right.cgroupParent,
      ...(platformsDiffer(left, right) ? { expectedBecause: "podlab names the Docker pod's cgroup after the pod; the kubelet names its pod cgroup after the pod UID" } : {}),
    });
  }
  const rightByName = new Map(right.containers.map((c) => [c.name, c]));
  for (const l of left.containers) {
    const r = rightByName.get(l.name);
    if (!r) out.push({ path: `${pod}/${l.name}`, left: "present", right: "missing" });
    else out.push(...compareContainer(pod, l, r, left, right));
  }
  const leftNames = new Set(left.containers.map((c) => c.name));
  for (const r of right.containers) {
    if (!leftNames.has(r.name)) out.push({ path: `${pod}/${r.name}`, left: "missing", right: "present" });
  }
  return out;
}

export function unexpected(diffs: LayoutDifference[]): LayoutDifference[] {
  return diffs.filter((d) => d.expectedBecause === undefined);
}
