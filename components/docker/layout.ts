// The layout of a Docker pod, read back from what the provider reports about its containers.
import { ContainerLayout, NamespaceHolding, PodLayout } from "../model/layout";
import { PodSpec } from "../model/pod-spec";
import { MIB } from "../model/quantity";

/** What the provider reports for one member container. */
export interface ObservedContainer {
  name: string;
  image: string;
  entrypoints: string[];
  command: string[];
  memory: number; // MiB
  cpuQuota?: number;
  networkMode: string;
  ipcMode: string;
  pidMode?: string;
  cgroupParent: string;
}

function holding(mode: string | undefined, sandboxId: string): NamespaceHolding {
  return mode === `container:${sandboxId}` ? "sandbox" : "own";
}

export function dockerLayout(spec: PodSpec, sandboxId: string, cgroupParent: string, observed: ObservedContainer[]): PodLayout {
  const containers = observed.map((o, i): ContainerLayout => {
    const net = holding(o.networkMode, sandboxId);
    const layout: ContainerLayout = {
      name: o.name,
      image: o.image,
      // An empty command or args means "the image's default", as in a Kubernetes container spec.
      command: spec.containers[i].command.length ? o.entrypoints : [],
      args: spec.containers[i].args.length ? o.command : [],
      memoryBytes: o.memory * MIB,
      ports: spec.containers[i].ports.map((p) => p.containerPort),
      namespaces: {
        net,
        ipc: holding(o.ipcMode, sandboxId),
        // Docker gives a joiner of another container's network a private UTS namespace with a copy
        // of that container's hostname: never a shared one.
        uts: net === "sandbox" ? "own, hostname copied" : "own",
        pid: holding(o.pidMode, sandboxId),
        mnt: "own",
      },
    };
    if (o.cpuQuota) layout.cpuMillis = o.cpuQuota / 100;
    return layout;
  });
  return { platform: "docker", pod: spec.name, sandbox: "sandbox container", cgroupParent, containers };
}
