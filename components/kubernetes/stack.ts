// The minikube stack's pods, from stack config (see components/stack.ts, which loads this module, and
// with it @pulumi/kubernetes, only for the kubernetes platform).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "../stack";
import { PodLayout } from "../model/layout";
import { PodArgs } from "../model/pod-spec";
import { KubernetesPod } from "./pod";

/** Every pod of the config as a KubernetesPod on the configured cluster; returns their layouts. */
export function kubernetesStack(config: ConfigSource, pods: PodArgs[]): pulumi.Output<PodLayout[]> {
  const provider = new k8s.Provider("cluster", {
    ...(config.get("kubeconfig") ? { kubeconfig: config.get("kubeconfig") } : {}),
    context: config.get("context") ?? "minikube",
  });
  const made = pods.map((pod) => new KubernetesPod(pod.name, {
    pod,
    namespace: config.get("namespace"),
    readyTimeout: config.get("readyTimeout"),
  }, { providers: { kubernetes: provider } }));
  return pulumi.all(made.map((p) => p.layout));
}
