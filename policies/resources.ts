// The parts of a stack the policies look at, read from the resources the engine hands them. Only
// plain records go in and out, so the rules can be unit-tested with hand-made resources.
import { ContainerLayout, PLATFORM_NAMESPACES, PodLayout } from "../components/model/layout";
import { LABEL_CONTAINER, LABEL_IMAGE, LABEL_POD, LABEL_ROLE, LABEL_SPEC } from "../components/model/labels";
import { PodSpec } from "../components/model/pod-spec";
import { MIB } from "../components/model/quantity";
import { asWritten, layoutOrder, mountsLayout } from "../components/docker/layout";
import { unwrapEnvExec } from "../components/docker/env-exec";
import { kubernetesLayout } from "../components/kubernetes/layout";

export const DOCKER_CONTAINER = "docker:index/container:Container";
export const DOCKER_IMAGE = "docker:index/remoteImage:RemoteImage";
export const K8S_POD = "kubernetes:core/v1:Pod";

/** What a policy sees of a resource (a subset of @pulumi/policy's PolicyResource). */
export interface Resource {
  type: string;
  urn: string;
  name: string;
  props: Record<string, any>;
  propertyDependencies: Record<string, Resource[]>;
}

const dockerLabels = (r: Resource): Record<string, string> =>
  Object.fromEntries((r.props.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]));

/** A Docker pod as declared in the stack: its sandbox, its members and the spec it came from. */
export interface DockerPodResources {
  pod: string;
  spec: PodSpec;
  sandbox: Resource;
  /** Its init and app containers. */
  members: Resource[];
}

export function dockerPods(resources: Resource[]): DockerPodResources[] {
  const containers = resources.filter((r) => r.type === DOCKER_CONTAINER && dockerLabels(r)[LABEL_POD] !== undefined);
  return containers
    .filter((r) => dockerLabels(r)[LABEL_ROLE] === "sandbox")
    .map((sandbox) => {
      const labels = dockerLabels(sandbox);
      const pod = labels[LABEL_POD];
      const members = containers.filter((r) => dockerLabels(r)[LABEL_POD] === pod && ["member", "init"].includes(dockerLabels(r)[LABEL_ROLE]));
      // The sandbox records the spec less the app containers' images (they change in place): each
      // app container records its own.
      const recorded = JSON.parse(labels[LABEL_SPEC]) as PodSpec;
      const imageOf = (c: string) => members.map(dockerLabels).find((l) => l[LABEL_CONTAINER] === c && l[LABEL_ROLE] === "member")?.[LABEL_IMAGE] ?? "";
      const spec = { ...recorded, containers: recorded.containers.map((c) => ({ ...c, image: c.image || imageOf(c.name) })) };
      return { pod, spec, sandbox, members };
    });
}

export const containerOf = (r: Resource) => dockerLabels(r)[LABEL_CONTAINER];

/** True when a member's mode property names the sandbox, as `container:<sandbox id>`. */
export function joinsSandbox(member: Resource, property: "networkMode" | "ipcMode" | "pidMode", sandbox: Resource): boolean {
  const mode = member.props[property];
  return typeof mode === "string" && mode.startsWith("container:") && (member.propertyDependencies[property] ?? []).some((d) => d.urn === sandbox.urn);
}

/** The layout a Docker pod declares, in the form the model's expectedLayout gives. */
export function declaredDockerLayout(p: DockerPodResources): PodLayout {
  const containers = layoutOrder(p.spec).map(({ c, init }): ContainerLayout => {
    const member = p.members.find((m) => containerOf(m) === c.name);
    if (!member) return { ...missing(c.name) };
    const net = joinsSandbox(member, "networkMode", p.sandbox) ? "sandbox" : "own";
    const via = unwrapEnvExec(member.props.entrypoints);
    const image = (member.propertyDependencies.image ?? []).find((d) => d.type === DOCKER_IMAGE)?.props.name ?? member.props.image;
    const layout: ContainerLayout = {
      name: c.name,
      ...(init ? { init: true } : {}),
      image,
      // Unset in the manifest: the image's own, which the provider reads back once deployed.
      command: c.command.length ? asWritten(c.command, via.entrypoints, c.env, via.wrapped) : [],
      args: c.args.length ? asWritten(c.args, member.props.command, c.env, via.wrapped) : [],
      memoryBytes: (member.props.memory ?? 0) * MIB,
      ports: c.ports.map((port) => port.containerPort),
      mounts: mountsLayout(p.spec, member.props.mounts ?? [], member.props.volumes ?? []),
      namespaces: {
        net,
        ipc: joinsSandbox(member, "ipcMode", p.sandbox) ? "sandbox" : "own",
        uts: net === "sandbox" ? PLATFORM_NAMESPACES.docker.uts : "own",
        pid: joinsSandbox(member, "pidMode", p.sandbox) ? "sandbox" : "own",
        mnt: "own",
      },
    };
    if (member.props.cpuQuota) layout.cpuMillis = member.props.cpuQuota / 100;
    return layout;
  });
  return { platform: "docker", pod: p.pod, sandbox: "sandbox container", cgroupParent: p.sandbox.props.cgroupParent, containers };
}

function missing(name: string): ContainerLayout {
  return { name, image: "(missing)", command: [], args: [], memoryBytes: 0, ports: [], mounts: [], namespaces: { net: "own", ipc: "own", uts: "own", pid: "own", mnt: "own" } };
}

/** Kubernetes pods declared in the stack, with the spec each was rendered from. */
export function kubernetesPods(resources: Resource[]): { pod: string; spec: PodSpec; resource: Resource; layout: PodLayout }[] {
  return resources
    .filter((r) => r.type === K8S_POD && r.props.metadata?.annotations?.[LABEL_SPEC] !== undefined)
    .map((r) => ({
      pod: r.props.metadata.name,
      spec: JSON.parse(r.props.metadata.annotations[LABEL_SPEC]) as PodSpec,
      resource: r,
      layout: kubernetesLayout(r.props as any),
    }));
}

/** Every declared pod layout of a stack, whatever its platform. */
export function declaredLayouts(resources: Resource[]): { spec: PodSpec; layout: PodLayout }[] {
  return [
    ...dockerPods(resources).map((p) => ({ spec: p.spec, layout: declaredDockerLayout(p) })),
    ...kubernetesPods(resources).map((p) => ({ spec: p.spec, layout: p.layout })),
  ];
}
