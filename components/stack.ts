// Reads the stack's config and makes its pods on the configured platform. Everything is validated
// before the first resource is registered.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CgroupDriver, CGROUP_DRIVERS } from "./docker/cgroup";
import { detectCgroupDriver } from "./docker/host";
import { DockerPod } from "./docker/pod";
import { KubernetesPod } from "./kubernetes/pod";
import { PodLayout } from "./model/layout";
import { PodArgs } from "./model/pod-spec";
import { PodSpecError, podSpecs } from "./model/validate";

const PLATFORMS = ["docker", "kubernetes"] as const;

export interface StackPods {
  layouts: pulumi.Output<PodLayout[]>;
}

/** Config is read through this narrow interface, so tests can hand in plain values. */
export interface ConfigSource {
  get(key: string): string | undefined;
  getObject<T>(key: string): T | undefined;
}

function cgroupDriver(config: ConfigSource): CgroupDriver {
  const value = config.get("cgroupDriver") ?? "auto";
  if (value === "auto") return detectCgroupDriver();
  if (!CGROUP_DRIVERS.includes(value as CgroupDriver)) throw new PodSpecError("podlab:cgroupDriver", value, "is not auto, cgroupfs or systemd");
  return value as CgroupDriver;
}

export function stackPods(config: ConfigSource): StackPods {
  const platform = config.get("platform");
  if (!PLATFORMS.includes(platform as (typeof PLATFORMS)[number])) {
    throw new PodSpecError("podlab:platform", platform, `is not one of ${PLATFORMS.join(", ")}`);
  }
  const pods = config.getObject<PodArgs[]>("pods") as PodArgs[];
  podSpecs(pods, "podlab:pods");

  if (platform === "docker") {
    const sandboxImage = config.get("sandboxImage") ?? "podlab/pause:0.1";
    const agentImage = config.get("agentImage") ?? "podlab/agent:0.1";
    const readyTimeout = config.get("readyTimeout");
    const driver = cgroupDriver(config);
    const made = pods.map((pod) => new DockerPod(pod.name, { pod, sandboxImage, agentImage, readyTimeout, cgroupDriver: driver }));
    return { layouts: pulumi.all(made.map((p) => p.layout)) };
  }

  const provider = new k8s.Provider("cluster", {
    ...(config.get("kubeconfig") ? { kubeconfig: config.get("kubeconfig") } : {}),
    context: config.get("context") ?? "minikube",
  });
  const made = pods.map((pod) => new KubernetesPod(pod.name, {
    pod,
    namespace: config.get("namespace"),
    readyTimeout: config.get("readyTimeout"),
  }, { providers: { kubernetes: provider } }));
  return { layouts: pulumi.all(made.map((p) => p.layout)) };
}
