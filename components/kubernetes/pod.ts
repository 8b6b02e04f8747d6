// The same Pod on Kubernetes: the user's Pod manifest applied as written, apart from the image
// overrides and podlab's label and annotation. The kubelet adds the pause container that holds the
// pod's namespaces.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import { podSpecFromManifest } from "../model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES, ImageOverride, withImages } from "../model/image-overrides";
import { PodLayout } from "../model/layout";
import { LABEL_POD, LABEL_POD_HASH, LABEL_SPEC, podHash, specLabel } from "../model/labels";
import { PodSpec } from "../model/pod-spec";
import { DNS_LABEL, PodSpecError, readyTimeoutSeconds } from "../model/validate";
import { kubernetesLayout, ObservedPod } from "./layout";

export interface KubernetesPodArgs {
  /** The pod as a Kubernetes Pod manifest (schema-valid, see model/manifest.ts). */
  manifest: IPod;
  /** Where the manifest came from, for messages (e.g. "pods/foo.yaml: Pod foo"). */
  source?: string;
  /** Image overrides (kustomize's images:); default: the walkthrough's images to podlab's builds. */
  imageOverrides?: readonly ImageOverride[];
  /** ConfigMaps the pod's configMap volumes name (the stack applies them). */
  configMaps?: Map<string, IConfigMap>;
  /** Namespace of the Pod when the manifest names none; "default" when unset. */
  namespace?: string;
  /** How long `pulumi up` waits for the Pod to be Ready, e.g. "10m". */
  readyTimeout?: string;
}

/**
 * The Pod object podlab applies: the manifest with its images overridden, its namespace filled in,
 * and podlab's label (the pod's name) and annotations (the model, read by the policy pack, and the
 * hash of what makes a new pod) added.
 */
export function podObject(manifest: IPod, images: readonly ImageOverride[], namespace: string, spec: PodSpec): IPod {
  const pod = withImages(manifest, images);
  pod.metadata = {
    ...pod.metadata,
    namespace: pod.metadata?.namespace ?? namespace,
    labels: { ...pod.metadata?.labels, [LABEL_POD]: spec.name },
    annotations: { ...pod.metadata?.annotations, [LABEL_SPEC]: specLabel(spec), [LABEL_POD_HASH]: podHash(pod.spec!) },
  };
  return pod;
}

export class KubernetesPod extends pulumi.ComponentResource {
  readonly spec: PodSpec;
  readonly pod: k8s.core.v1.Pod;
  readonly layout: pulumi.Output<PodLayout>;

  constructor(name: string, args: KubernetesPodArgs, opts?: pulumi.ComponentResourceOptions) {
    const source = args.source ?? `Pod ${name}`;
    const images = args.imageOverrides ?? DEFAULT_IMAGE_OVERRIDES;
    const { spec } = podSpecFromManifest(args.manifest, source, { images, configMaps: args.configMaps ?? new Map(), platform: "kubernetes" });
    if (spec.name !== name) throw new PodSpecError("pod.name", spec.name, `does not match the component name ${JSON.stringify(name)}`);
    const namespace = args.namespace ?? "default";
    if (!DNS_LABEL.test(namespace)) throw new PodSpecError("namespace", namespace, "is not a valid namespace name");
    const readyTimeout = `${readyTimeoutSeconds("readyTimeout", args.readyTimeout)}s`;
    super("podlab:kubernetes:Pod", name, {}, opts);

    this.spec = spec;
    const object = podObject(args.manifest, images, namespace, spec);
    this.pod = new k8s.core.v1.Pod(name, object as k8s.core.v1.PodArgs, {
      parent: this,
      // Most of a Pod cannot change in place, and its name is fixed: delete, then create, when what
      // makes a new pod changed (its hash: an app container's image is updated in place).
      deleteBeforeReplace: true,
      replaceOnChanges: [`metadata.annotations["${LABEL_POD_HASH}"]`],
      customTimeouts: { create: readyTimeout, update: readyTimeout },
    });
    this.layout = pulumi.all([this.pod.metadata, this.pod.spec]).apply(([metadata, podSpecOut]) =>
      kubernetesLayout({ metadata, spec: podSpecOut } as unknown as ObservedPod));
    this.registerOutputs({ pod: this.pod, layout: this.layout });
  }
}
