// The layout of a Kubernetes pod, read back from the Pod object the API server returned.
import { initFirst, KUBELET_CGROUP, mountText, NamespaceHolding, PodLayout } from "../model/layout";
import { parseCpu, parseMemory } from "../model/quantity";

/** The parts of a Pod object the layout needs (as @pulumi/kubernetes outputs it). */
export interface ObservedPod {
  metadata: { name: string };
  spec: {
    hostNetwork?: boolean;
    hostIPC?: boolean;
    hostPID?: boolean;
    shareProcessNamespace?: boolean;
    initContainers?: ObservedPod["spec"]["containers"];
    containers: {
      name: string;
      image: string;
      command?: string[];
      args?: string[];
      ports?: { containerPort: number }[];
      resources?: { limits?: Record<string, string> };
      volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
    }[];
    volumes?: { name: string; configMap?: object; persistentVolumeClaim?: { readOnly?: boolean } }[];
  };
}

export function kubernetesLayout(pod: ObservedPod): PodLayout {
  const s = pod.spec;
  // The pause container holds net, IPC and UTS unless the pod asks for the host's.
  const shared = (host?: boolean): NamespaceHolding => (host ? "own" : "sandbox");
  return {
    platform: "kubernetes",
    pod: pod.metadata.name,
    sandbox: "pause container",
    cgroupParent: KUBELET_CGROUP,
    containers: initFirst(s.initContainers, s.containers).map(({ c, init }) => {
      const cpu = c.resources?.limits?.cpu;
      return {
        name: c.name,
        ...(init ? { init: true } : {}),
        image: c.image,
        command: c.command ?? [],
        args: c.args ?? [],
        memoryBytes: parseMemory(c.resources?.limits?.memory ?? "") ?? 0,
        ...(cpu !== undefined ? { cpuMillis: parseCpu(cpu) } : {}),
        ports: (c.ports ?? []).map((p) => p.containerPort),
        // The kubelet mounts configMap volumes, and claims marked readOnly, read-only, whatever the mount says.
        // The ServiceAccount admission plugin adds a projected token volume, kube-api-access-<random>,
        // to every Pod that does not opt out: the platform's, like pause, not the pod's.
        mounts: (c.volumeMounts ?? [])
          .filter((m) => !m.name.startsWith("kube-api-access-"))
          .map((m) => {
            const v = s.volumes?.find((x) => x.name === m.name);
            return mountText(m.name, m.mountPath, (m.readOnly ?? false) || !!v?.configMap || !!v?.persistentVolumeClaim?.readOnly);
          })
          .sort(),
        namespaces: {
          net: shared(s.hostNetwork),
          ipc: shared(s.hostIPC),
          uts: shared(s.hostNetwork), // a host-network pod also gets the host's UTS namespace
          pid: s.shareProcessNamespace ? "sandbox" : "own",
          mnt: "own",
        },
      };
    }),
  };
}
