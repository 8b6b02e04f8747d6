// The same Pod on Kubernetes: one Pod object rendered from the shared model. The kubelet adds the
// pause container that holds the pod's namespaces.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PodLayout } from "../model/layout";
import { LABEL_POD, LABEL_SPEC, specLabel } from "../model/labels";
import { ContainerSpec, PodArgs, PodSpec } from "../model/pod-spec";
import { MIB } from "../model/quantity";
import { DNS_LABEL, PodSpecError, podSpec, readyTimeoutSeconds } from "../model/validate";
import { kubernetesLayout, ObservedPod } from "./layout";

export interface KubernetesPodArgs {
  pod: PodArgs;
  /** Namespace of the Pod; "default" when unset. */
  namespace?: string;
  /** How long `pulumi up` waits for the Pod to be Ready, e.g. "10m". */
  readyTimeout?: string;
}

const memory = (bytes: number) => `${bytes / MIB}Mi`;

/** A container of the Pod object, from the model. */
export function podContainer(c: ContainerSpec): k8s.types.input.core.v1.Container {
  const limits: Record<string, string> = { memory: memory(c.memoryBytes) };
  if (c.cpuMillis !== undefined) limits.cpu = `${c.cpuMillis}m`;
  return {
    name: c.name,
    image: c.image,
    // Images are loaded into the node; never pull one that is there.
    imagePullPolicy: "IfNotPresent",
    ...(c.command.length ? { command: c.command } : {}),
    ...(c.args.length ? { args: c.args } : {}),
    env: Object.entries(c.env).map(([name, value]) => ({ name, value })),
    ports: c.ports.map((p) => ({ containerPort: p.containerPort, ...(p.hostPort ? { hostPort: p.hostPort } : {}) })),
    // Requests as the API server would default them: written out, so that a changed limit is a
    // change of both, and the provider plans a replacement instead of an update the server rejects.
    resources: { limits, requests: { ...limits } },
  };
}

/** The Pod object's spec, from the model. */
export function podObjectSpec(spec: PodSpec): k8s.types.input.core.v1.PodSpec {
  const podLimits: Record<string, string> = {};
  if (spec.limits.memoryBytes !== undefined) podLimits.memory = memory(spec.limits.memoryBytes);
  if (spec.limits.cpuMillis !== undefined) podLimits.cpu = `${spec.limits.cpuMillis}m`;
  return {
    containers: spec.containers.map(podContainer),
    restartPolicy: spec.restartPolicy,
    // Pod-level resources (the PodLevelResources feature) bound the pod's cgroup, as on Docker.
    ...(Object.keys(podLimits).length ? { resources: { limits: podLimits } } : {}),
  } as k8s.types.input.core.v1.PodSpec;
}

export class KubernetesPod extends pulumi.ComponentResource {
  readonly spec: PodSpec;
  readonly pod: k8s.core.v1.Pod;
  readonly layout: pulumi.Output<PodLayout>;

  constructor(name: string, args: KubernetesPodArgs, opts?: pulumi.ComponentResourceOptions) {
    const spec = podSpec(args.pod, `pods[${JSON.stringify(name)}]`);
    if (spec.name !== name) throw new PodSpecError("pod.name", spec.name, `does not match the component name ${JSON.stringify(name)}`);
    const namespace = args.namespace ?? "default";
    if (!DNS_LABEL.test(namespace)) throw new PodSpecError("namespace", namespace, "is not a valid namespace name");
    const readyTimeout = `${readyTimeoutSeconds("readyTimeout", args.readyTimeout)}s`;
    super("podlab:kubernetes:Pod", name, {}, opts);

    this.spec = spec;
    this.pod = new k8s.core.v1.Pod(name, {
      metadata: { name, namespace, labels: { [LABEL_POD]: name }, annotations: { [LABEL_SPEC]: specLabel(spec) } },
      spec: podObjectSpec(spec),
    }, {
      parent: this,
      // Most of a Pod cannot change in place, and its name is fixed: delete, then create.
      deleteBeforeReplace: true,
      replaceOnChanges: ["spec"],
      customTimeouts: { create: readyTimeout, update: readyTimeout },
    });
    this.layout = pulumi.all([this.pod.metadata, this.pod.spec]).apply(([metadata, podSpecOut]) =>
      kubernetesLayout({ metadata, spec: podSpecOut } as unknown as ObservedPod));
    this.registerOutputs({ pod: this.pod, layout: this.layout });
  }
}
