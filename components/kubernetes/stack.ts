// The minikube stack's pods, from stack config (see components/stack.ts, which loads this module, and
// with it @pulumi/kubernetes, only for the kubernetes platform).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource, StackInput } from "../stack";
import { PodLayout } from "../model/layout";
import { minReadySeconds, PodSpecError, readyTimeoutSeconds } from "../model/validate";
import { KubernetesPod } from "./pod";

/**
 * The manifests' ConfigMaps, Secrets, StorageClasses, PersistentVolumeClaims and Pods on the configured cluster (`podlab:context`, `podlab:kubeconfig`,
 * `podlab:namespace` for objects that name none); returns the pods' layouts. Input was checked by the caller.
 */
export function kubernetesStack(config: ConfigSource, input: StackInput): pulumi.Output<PodLayout[]> {
  // pulumi-kubernetes' Pod await returns at Ready and has no stability window to set.
  const minReady = config.get("minReadySeconds");
  if (minReady !== undefined && minReadySeconds("podlab:minReadySeconds", minReady, readyTimeoutSeconds("podlab:readyTimeout", config.get("readyTimeout"))) !== 0) {
    throw new PodSpecError("podlab:minReadySeconds", minReady, "is a docker-host setting: on Kubernetes, `pulumi up` waits for Ready as pulumi-kubernetes' Pod await does (set 0 or leave it unset)");
  }
  const provider = new k8s.Provider("cluster", {
    ...(config.get("kubeconfig") ? { kubeconfig: config.get("kubeconfig") } : {}),
    context: config.get("context") ?? "minikube",
  });
  const namespace = config.get("namespace") ?? "default";
  const configMaps = [...input.manifests.configMaps.values()].map((cm) => new k8s.core.v1.ConfigMap(cm.metadata!.name!, {
    ...cm, metadata: { ...cm.metadata, namespace: cm.metadata?.namespace ?? namespace },
  } as k8s.core.v1.ConfigMapArgs, { provider }));
  // Secrets' values are Pulumi secrets from here on: encrypted in the state, "[secret]" in previews.
  const secrets = [...input.manifests.secrets.values()].map((s) => new k8s.core.v1.Secret(s.metadata!.name!, {
    ...s, metadata: { ...s.metadata, namespace: s.metadata?.namespace ?? namespace },
    ...(s.data ? { data: pulumi.secret(s.data) } : {}), ...(s.stringData ? { stringData: pulumi.secret(s.stringData) } : {}),
  } as k8s.core.v1.SecretArgs, { provider }));
  // StorageClasses are cluster-wide; a claim's class says what becomes of its volume when it goes.
  const storageClasses = [...input.manifests.storageClasses.values()].map((sc) => new k8s.storage.v1.StorageClass(sc.metadata!.name!, {
    ...sc, metadata: { ...sc.metadata, namespace: undefined },
  } as k8s.storage.v1.StorageClassArgs, { provider }));
  // pulumi-kubernetes would wait up to a fixed 5 minutes for a claim to bind; the pods' own await, within
  // podlab:readyTimeout, waits for their claims anyway (a Pod stays Pending on an unbound claim).
  const claims = [...input.manifests.claims.values()].map(({ claim }) => new k8s.core.v1.PersistentVolumeClaim(claim.metadata!.name!, {
    ...claim, metadata: { ...claim.metadata, namespace: claim.metadata?.namespace ?? namespace, annotations: { ...claim.metadata?.annotations, "pulumi.com/skipAwait": "true" } },
  } as k8s.core.v1.PersistentVolumeClaimArgs, { provider, dependsOn: storageClasses }));
  const made = input.manifests.pods.map((m) => new KubernetesPod(m.pod.metadata!.name!, {
    manifest: m.pod,
    source: m.source,
    imageOverrides: input.images,
    configMaps: input.manifests.configMaps,
    namespace,
    readyTimeout: config.get("readyTimeout"),
  }, { providers: { kubernetes: provider }, dependsOn: [...configMaps, ...secrets, ...claims] }));
  return pulumi.all(made.map((p) => p.layout));
}
