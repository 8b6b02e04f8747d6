// The pod's cgroup parent: its name for each Docker cgroup driver, and the command resource that
// makes it. The script is a constant file; the values reach it through the environment only.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { podLimits } from "../model/pod-limits";
import { milliCpuToShares } from "../model/quantity";
import { hostCommand, HostCommandArgs, scriptActions } from "./host-command";
import { POD_LIMITS_DIR, postStartedFile } from "./paths";
import { DockerTarget } from "./target";

export type CgroupDriver = "cgroupfs" | "systemd";
export const CGROUP_DRIVERS: readonly CgroupDriver[] = ["cgroupfs", "systemd"];

const SCRIPT = readFileSync(join(__dirname, "cgroup.sh"), "utf8");

/**
 * The value of Docker's --cgroup-parent for a pod: a path for cgroupfs, a slice for systemd. systemd
 * reads each dash in a slice's name as a level of nesting (systemd.slice(5)): `pod-web-canary.slice`
 * would sit inside `pod-web.slice`, bounded by web's limits and stopped with it. So a dash in the pod's
 * name becomes an underscore, as the kubelet escapes its slice names (pkg/kubelet/cm/
 * cgroup_manager_linux.go, escapeSystemdCgroupName); a pod name has no underscore, so no two pods meet.
 */
export function cgroupParent(pod: string, driver: CgroupDriver): string {
  return driver === "systemd" ? `pod-${pod.replace(/-/g, "_")}.slice` : `/pod-${pod}`;
}

/** What the script is told: the cgroup's name and the pod's limits (model/pod-limits.ts). */
export function cgroupEnvironment(spec: PodSpec, driver: CgroupDriver): Record<string, string> {
  const env: Record<string, string> = {
    PODLAB_POD: spec.name,
    PODLAB_CGROUP: cgroupParent(spec.name, driver).replace(/^\//, ""),
    PODLAB_CGROUP_DRIVER: driver,
    // Where the limits are declared for the pod's agent, which restores them (agent/podcgroup.go).
    PODLAB_LIMITS_FILE: `${POD_LIMITS_DIR}/${spec.name}`,
    PODLAB_POST_STARTED_FILE: postStartedFile(spec.name),
  };
  // The pod-level limits, else the sum of the containers' when each has one, as the kubelet's.
  const limits = podLimits(spec);
  if (limits.memoryBytes !== undefined) env.PODLAB_MEMORY_BYTES = String(limits.memoryBytes);
  // Kubernetes' CFS arithmetic: 1000 millicores is one full period of 100ms.
  if (limits.cpuMillis !== undefined) env.PODLAB_CPU_QUOTA_US = String(limits.cpuMillis * 100);
  // A pod-level CPU request: the pod cgroup's weight, as the kubelet's ResourceConfigForPod.
  if (spec.requests.cpuMillis !== undefined) env.PODLAB_CPU_SHARES = String(milliCpuToShares(spec.requests.cpuMillis));
  return env;
}

/** The command's arguments: cgroup.sh once (scriptActions), its environment, and its triggers. */
export function cgroupCommandArgs(spec: PodSpec, driver: CgroupDriver): HostCommandArgs {
  return {
    ...scriptActions("cgroup.sh", SCRIPT, cgroupEnvironment(spec, driver)),
    // The driver and name decide where the cgroup lives: a change makes a new one.
    triggers: [driver, cgroupParent(spec.name, driver)],
  };
}

/** The pod's cgroup parent, made on the target's host (see host-command.ts). */
export function cgroupCommand(name: string, spec: PodSpec, driver: CgroupDriver, target: DockerTarget, opts: pulumi.CustomResourceOptions) {
  return hostCommand(name, cgroupCommandArgs(spec, driver), target, opts);
}
