// The pod's init gate: a command resource `<pod>-init` that runs the init containers to completion,
// in order, before any member is created (see init.sh). The script is a constant file; the values
// reach it through the environment only.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { hostCommand, HostCommandArgs } from "./host-command";
import { secretMasks } from "./masks";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "init.sh"), "utf8");

/**
 * The gate's arguments: the pod, its init containers in order, its restartPolicy and how long it may
 * take (seconds). It runs again whenever an init container or the sandbox is replaced.
 */
export function initCommandArgs(spec: PodSpec, timeoutSeconds: number, triggers: pulumi.Input<string>[]): HostCommandArgs {
  const masks = secretMasks([spec]);
  return {
    create: SCRIPT,
    environment: {
      PODLAB_POD: spec.name,
      PODLAB_INIT_CONTAINERS: spec.initContainers.map((c) => c.name).join(" "),
      ...(spec.initContainers.some((c) => c.sidecar) ? { PODLAB_SIDECARS: spec.initContainers.filter((c) => c.sidecar).map((c) => c.name).join(" ") } : {}),
      PODLAB_RESTART_POLICY: spec.restartPolicy,
      PODLAB_READY_TIMEOUT_SECONDS: String(timeoutSeconds),
      // The pod's Secret values, masked in the log lines a failure quotes (masks.ts).
      ...(masks.length ? { PODLAB_MASK: pulumi.secret(masks.join("\n")) } : {}),
    },
    triggers,
  };
}

/** The gate `<pod>-init`, or undefined for a pod without init containers. */
export function initCommand(spec: PodSpec, timeoutSeconds: number, sandbox: docker.Container, inits: docker.Container[], target: DockerTarget, opts: pulumi.CustomResourceOptions) {
  if (inits.length === 0) return undefined;
  return hostCommand(`${spec.name}-init`, initCommandArgs(spec, timeoutSeconds, [sandbox.id, ...inits.map((c) => c.id)]), target, {
    ...opts,
    dependsOn: inits,
  });
}
