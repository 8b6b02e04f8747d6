// The minikube stack's pods, from stack config (see components/stack.ts, which loads this module, and
// with it @pulumi/kubernetes, only for the kubernetes platform).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource, StackInput } from "../stack";
import { PodLayout } from "../model/layout";
import { KubernetesPod } from "./pod";

/**
 * The manifests' ConfigMaps and Pods on the configured cluster (`podlab:context`, `podlab:kubeconfig`,
 * `podlab:namespace` for objects that name none); returns the pods' layouts. Input was checked by the caller.
 */
export function kubernetesStack(config: ConfigSource, input: StackInput): pulumi.Output<PodLayout[]> {
  const provider = new k8s.Provider("cluster", {
    ...(config.get("kubeconfig") ? { kubeconfig: config.get("kubeconfig") } : {}),
    context: config.get("context") ?? "minikube",
  });
  const namespace = config.get("namespace") ?? "default";
  const configMaps = [...input.manifests.configMaps.values()].map((cm) => new k8s.core.v1.ConfigMap(cm.metadata!.name!, {
    ...cm, metadata: { ...cm.metadata, namespace: cm.metadata?.namespace ?? namespace },
  } as k8s.core.v1.ConfigMapArgs, { provider }));
  const made = input.manifests.pods.map((m) => new KubernetesPod(m.pod.metadata!.name!, {
    manifest: m.pod,
    source: m.source,
    imageOverrides: input.images,
    configMaps: input.manifests.configMaps,
    namespace,
    readyTimeout: config.get("readyTimeout"),
  }, { providers: { kubernetes: provider }, dependsOn: configMaps }));
  return pulumi.all(made.map((p) => p.layout));
}
