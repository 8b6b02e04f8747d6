// The layout of a Docker pod, read back from what the provider reports about its containers.
import { ContainerLayout, initFirst, mountText, NamespaceHolding, PodLayout } from "../model/layout";
import { PodSpec } from "../model/pod-spec";
import { MIB } from "../model/quantity";
import { expandArgs } from "../model/expansion";
import { isEnvExecMount, unwrapEnvExec } from "./env-exec";
import { volumeSource } from "./paths";

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
  /** `--mount`s: binds of the pod's volume directories (emptyDir, configMap) and of Directory host paths. */
  mounts: { type: string; source?: string; target: string; readOnly?: boolean }[];
  /** `-v` binds (hostPath, DirectoryOrCreate). */
  volumes: { hostPath?: string; containerPath?: string; readOnly?: boolean }[];
}

/** Which pod volume a mount's source is: by the rendering rules of pod.ts (memberSettings). */
function volumeOf(spec: PodSpec, source: string | undefined): string {
  // The volume whose directory it is, else the one with the longest directory above it (a subPath).
  const below = spec.volumes.filter((x) => source?.startsWith(`${volumeSource(spec.name, x)}/`))
    .sort((a, b) => volumeSource(spec.name, b).length - volumeSource(spec.name, a).length);
  const v = spec.volumes.find((x) => volumeSource(spec.name, x) === source) ?? below[0];
  return v?.name ?? `(unknown ${source})`;
}

function holding(mode: string | undefined, sandboxId: string): NamespaceHolding {
  return mode === `container:${sandboxId}` ? "sandbox" : "own";
}

/**
 * A command or args list as the manifest writes it, when Docker runs its $(VAR) expansion (see
 * expansion.ts): so that both platforms' layouts show the same words. Anything else, as observed.
 */
export function asWritten(written: string[], observed: string[] | undefined, env: { name: string; value: string }[], viaEnvExec = false): string[] {
  // Through env-exec (env-exec.ts) the words are kept as written: env-exec expands them.
  const expanded = viaEnvExec ? written : expandArgs(written, env);
  return observed && expanded.length === observed.length && expanded.every((w, i) => w === observed[i]) ? written : observed ?? [];
}

/** A member's `--mount`s and `-v` binds as the layout writes mounts ("<volume>:<path>[:ro]"). */
export function mountsLayout(spec: PodSpec, mounts: ObservedContainer["mounts"], volumes: ObservedContainer["volumes"]): string[] {
  return [
    // env-exec's mounts are podlab's means, not the manifest's volumes.
    ...mounts.filter((m) => !isEnvExecMount(m.target)).map((m) => mountText(volumeOf(spec, m.source), m.target, m.readOnly ?? false)),
    ...volumes.map((v) => mountText(volumeOf(spec, v.hostPath), v.containerPath ?? "", v.readOnly ?? false)),
  ].sort();
}

/** The pod's containers as the layout lists them: init containers first, in order, then the others. */
export const layoutOrder = (spec: PodSpec) => initFirst(spec.initContainers, spec.containers);

/** `observed` holds the containers in layoutOrder(spec). */
export function dockerLayout(spec: PodSpec, sandboxId: string, cgroupParent: string, observed: ObservedContainer[]): PodLayout {
  const order = layoutOrder(spec);
  const containers = observed.map((o, i): ContainerLayout => {
    const net = holding(o.networkMode, sandboxId);
    const { c, init } = order[i];
    const via = unwrapEnvExec(o.entrypoints);
    const layout: ContainerLayout = {
      name: o.name,
      ...(init ? { init: true } : {}),
      image: o.image,
      // An empty command or args means "the image's default", as in a Kubernetes container spec.
      command: c.command.length ? asWritten(c.command, via.entrypoints, c.env, via.wrapped) : [],
      args: c.args.length ? asWritten(c.args, o.command, c.env, via.wrapped) : [],
      memoryBytes: o.memory * MIB,
      ports: c.ports.map((p) => p.containerPort),
      mounts: mountsLayout(spec, o.mounts, o.volumes),
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
