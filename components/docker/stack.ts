// The docker-host stack's pods, from stack config (see components/stack.ts, which loads this module
// only for the docker platform).
import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource, StackInput } from "../stack";
import { PodLayout } from "../model/layout";
import { checkImage, PodSpecError, readyTimeoutSeconds } from "../model/validate";
import { CGROUP_DRIVERS, CgroupDriver } from "./cgroup";
import { checkHostPaths, checkHostPorts, checkPodNames, detectCgroupDriver, localImageIds, podOwners, publishedPorts } from "./host";
import { StackImages } from "./images";
import { DockerPod, stackIdentity } from "./pod";

/**
 * podlab:cgroupDriver: "auto" (the default) takes the engine's; an explicit driver must be the
 * engine's too, since Docker places containers by its own driver whatever podlab asks (a systemd
 * slice on a cgroupfs engine fails only after the old pod is gone). Throws a PodSpecError.
 */
export function cgroupDriver(config: ConfigSource, engine: () => CgroupDriver = detectCgroupDriver): CgroupDriver {
  const value = config.get("cgroupDriver") ?? "auto";
  if (value !== "auto" && !CGROUP_DRIVERS.includes(value as CgroupDriver)) {
    throw new PodSpecError("podlab:cgroupDriver", value, "is not auto, cgroupfs or systemd");
  }
  const actual = engine();
  if (value !== "auto" && value !== actual) {
    throw new PodSpecError("podlab:cgroupDriver", value, `is not the Docker engine's cgroup driver, ${JSON.stringify(actual)} (docker info): set auto or ${actual}`);
  }
  return actual;
}

/**
 * Every pod of the input as a DockerPod; returns their layouts. Before the first resource, it checks
 * what only the host can say: the cgroup driver, that every image is on the engine (its ID is pinned,
 * so an image rebuilt under the same tag reaches the pod), and that no host port is taken.
 */
export function dockerStack(config: ConfigSource, input: StackInput): pulumi.Output<PodLayout[]> {
  const sandboxImage = config.get("sandboxImage") ?? "podlab/pause:0.1";
  const agentImage = config.get("agentImage") ?? "podlab/agent:0.1";
  const readyTimeout = config.get("readyTimeout");
  checkImage("podlab:sandboxImage", sandboxImage);
  checkImage("podlab:agentImage", agentImage);
  readyTimeoutSeconds("podlab:readyTimeout", readyTimeout);
  const driver = cgroupDriver(config);
  const pods = input.pods.map((p, i) => ({ spec: p.spec, source: input.manifests.pods[i].source }));
  const imageIds = localImageIds([
    { ref: sandboxImage, where: "podlab:sandboxImage" },
    { ref: agentImage, where: "podlab:agentImage" },
    ...pods.flatMap(({ spec, source }) => [
      ...spec.initContainers.map((c, i) => ({ ref: c.image, where: `${source}: spec.initContainers[${i}].image (after podlab:images)` })),
      ...spec.containers.map((c, i) => ({ ref: c.image, where: `${source}: spec.containers[${i}].image (after podlab:images)` })),
    ]),
  ]);
  checkPodNames(pods, podOwners(), stackIdentity());
  checkHostPorts(pods, publishedPorts());
  checkHostPaths(pods);
  for (const p of input.pods) {
    for (const field of p.kubernetesOnly) pulumi.log.info(`pod ${p.spec.name}: ${field} is Kubernetes-only, left out on the docker platform (see the README's support table)`);
  }
  const stackImages = new StackImages("images", undefined, "", imageIds);
  const made = input.manifests.pods.map((m) => new DockerPod(m.pod.metadata!.name!, {
    manifest: m.pod, source: m.source, imageOverrides: input.images, configMaps: input.manifests.configMaps,
    sandboxImage, agentImage, readyTimeout, cgroupDriver: driver, stackImages,
  }));
  return pulumi.all(made.map((p) => p.layout));
}
