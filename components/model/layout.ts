// The layout a stack exports and the policies and `compare` read: which containers a pod has, their
// images, commands and limits, and which namespaces each shares with the pod's sandbox. The platform
// rules below are the only place where Docker and Kubernetes are allowed to differ.
import { PodSpec } from "./pod-spec";

export type Platform = "docker" | "kubernetes";

/** How a container holds one namespace. */
export type NamespaceHolding =
  | "sandbox" // joined the sandbox's (pause container's) namespace
  | "own" // a private namespace
  | "own, hostname copied"; // Docker: a private UTS namespace holding a copy of the sandbox's hostname

export const NAMESPACES = ["net", "ipc", "uts", "pid", "mnt"] as const;
export type Namespace = (typeof NAMESPACES)[number];

export interface ContainerLayout {
  name: string;
  /** An init container: runs to completion before the others start (listed first, in order). */
  init?: boolean;
  image: string;
  command: string[];
  args: string[];
  /** The memory limit in bytes; 0 when the container has none. */
  memoryBytes: number;
  cpuMillis?: number;
  ports: number[];
  /** Volume mounts as "<volume>:<mountPath>", with ":ro" when read-only: shared volumes show by name. */
  mounts: string[];
  namespaces: Record<Namespace, NamespaceHolding>;
}

export interface PodLayout {
  platform: Platform;
  pod: string;
  /** Docker: the podlab sandbox container; Kubernetes: the kubelet's pause container. */
  sandbox: string;
  /** Docker: the cgroup parent podlab makes; Kubernetes: made by the kubelet, named by pod UID. */
  cgroupParent: string;
  containers: ContainerLayout[];
}

/** What each platform promises about namespace sharing inside a pod. */
export const PLATFORM_NAMESPACES: Record<Platform, Record<Namespace, NamespaceHolding>> = {
  // `--uts` accepts only "host": a joiner of `--network container:` gets a private UTS namespace.
  docker: { net: "sandbox", ipc: "sandbox", uts: "own, hostname copied", pid: "own", mnt: "own" },
  // The pause container holds net, UTS and IPC for every container (and PID with shareProcessNamespace).
  kubernetes: { net: "sandbox", ipc: "sandbox", uts: "sandbox", pid: "own", mnt: "own" },
};

export const KUBELET_CGROUP = "(kubelet pod cgroup)";

/** A pod's containers in the order layouts list them: init containers first, in order, then the others. */
export function initFirst<C>(initContainers: C[] | undefined, containers: C[]): { c: C; init: boolean }[] {
  return [...(initContainers ?? []).map((c) => ({ c, init: true })), ...containers.map((c) => ({ c, init: false }))];
}

/** A mount as layouts write it. */
export const mountText = (volume: string, mountPath: string, readOnly: boolean) => `${volume}:${mountPath}${readOnly ? ":ro" : ""}`;

/** How a platform holds a pod's namespaces, with the pod's own choices (shareProcessNamespace). */
export function podNamespaces(platform: Platform, spec: Pick<PodSpec, "shareProcessNamespace">): Record<Namespace, NamespaceHolding> {
  return { ...PLATFORM_NAMESPACES[platform], ...(spec.shareProcessNamespace ? { pid: "sandbox" as const } : {}) };
}

/** The layout a PodSpec implies on a platform. */
export function expectedLayout(spec: PodSpec, platform: Platform): PodLayout {
  return {
    platform,
    pod: spec.name,
    sandbox: platform === "docker" ? "sandbox container" : "pause container",
    cgroupParent: platform === "docker" ? `/pod-${spec.name}` : KUBELET_CGROUP,
    containers: initFirst(spec.initContainers, spec.containers).map(({ c, init }) => {
      const layout: ContainerLayout = {
        name: c.name,
        ...(init ? { init: true } : {}),
        image: c.image,
        command: c.command,
        args: c.args,
        memoryBytes: c.limits.memoryBytes ?? 0,
        ports: c.ports.map((p) => p.containerPort),
        mounts: c.mounts.map((m) => mountText(m.volume, m.mountPath, m.readOnly || volumeIsReadOnly(spec, m.volume))).sort(),
        namespaces: podNamespaces(platform, spec),
      };
      if (c.limits.cpuMillis !== undefined) layout.cpuMillis = c.limits.cpuMillis;
      return layout;
    }),
  };
}

/** ConfigMap volumes, and claims marked readOnly, are mounted read-only on both platforms, whatever the mount says. */
function volumeIsReadOnly(spec: PodSpec, volume: string): boolean {
  return spec.volumes.some((v) => v.name === volume && ("configMap" in v || ("persistentVolumeClaim" in v && v.persistentVolumeClaim.readOnly)));
}
