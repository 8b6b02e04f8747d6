// The docker-host stack's pods, from stack config (see components/stack.ts, which loads this module
// only for the docker platform).
import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "../stack";
import { PodLayout } from "../model/layout";
import { PodArgs } from "../model/pod-spec";
import { checkImage, PodSpecError, readyTimeoutSeconds } from "../model/validate";
import { CGROUP_DRIVERS, CgroupDriver } from "./cgroup";
import { detectCgroupDriver } from "./host";
import { StackImages } from "./images";
import { DockerPod } from "./pod";

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

/** Every pod of the config as a DockerPod; returns their layouts. Pods were validated by the caller. */
export function dockerStack(config: ConfigSource, pods: PodArgs[]): pulumi.Output<PodLayout[]> {
  const sandboxImage = config.get("sandboxImage") ?? "podlab/pause:0.1";
  const agentImage = config.get("agentImage") ?? "podlab/agent:0.1";
  const readyTimeout = config.get("readyTimeout");
  // Everything is checked before the first resource exists.
  checkImage("podlab:sandboxImage", sandboxImage);
  checkImage("podlab:agentImage", agentImage);
  readyTimeoutSeconds("podlab:readyTimeout", readyTimeout);
  const driver = cgroupDriver(config);
  const images = new StackImages("images");
  const made = pods.map((pod) => new DockerPod(pod.name, { pod, sandboxImage, agentImage, readyTimeout, cgroupDriver: driver, images }));
  return pulumi.all(made.map((p) => p.layout));
}
