// The pod's cgroup parent: its name for each Docker cgroup driver, and the command resource that
// makes it. The script is a constant file; the values reach it through the environment only.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";

export type CgroupDriver = "cgroupfs" | "systemd";
export const CGROUP_DRIVERS: readonly CgroupDriver[] = ["cgroupfs", "systemd"];

const SCRIPT = readFileSync(join(__dirname, "cgroup.sh"), "utf8");

/** The value of Docker's --cgroup-parent for a pod: a path for cgroupfs, a slice for systemd. */
export function cgroupParent(pod: string, driver: CgroupDriver): string {
  return driver === "systemd" ? `pod-${pod}.slice` : `/pod-${pod}`;
}

/** What the script is told: the cgroup's name and the pod-level limits. */
export function cgroupEnvironment(spec: PodSpec, driver: CgroupDriver): Record<string, string> {
  const env: Record<string, string> = {
    PODLAB_POD: spec.name,
    PODLAB_CGROUP: cgroupParent(spec.name, driver).replace(/^\//, ""),
    PODLAB_CGROUP_DRIVER: driver,
  };
  if (spec.limits.memoryBytes !== undefined) env.PODLAB_MEMORY_BYTES = String(spec.limits.memoryBytes);
  // Kubernetes' CFS arithmetic: 1000 millicores is one full period of 100ms.
  if (spec.limits.cpuMillis !== undefined) env.PODLAB_CPU_QUOTA_US = String(spec.limits.cpuMillis * 100);
  return env;
}

// `set --` gives the script its action as $1, as if it were called as `cgroup.sh create`.
const run = (action: "create" | "update" | "delete") => `set -- ${action}\n${SCRIPT}`;

export function cgroupCommandArgs(spec: PodSpec, driver: CgroupDriver): command.local.CommandArgs {
  return {
    create: run("create"),
    update: run("update"),
    delete: run("delete"),
    interpreter: ["/bin/bash", "-c"],
    environment: cgroupEnvironment(spec, driver),
    // The driver and name decide where the cgroup lives: a change makes a new one.
    triggers: [driver, cgroupParent(spec.name, driver)],
  };
}

export function cgroupCommand(name: string, spec: PodSpec, driver: CgroupDriver, opts: pulumi.CustomResourceOptions) {
  return new command.local.Command(name, cgroupCommandArgs(spec, driver), opts);
}
