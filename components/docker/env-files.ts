// The command `<pod>-env`: the environment of a pod's containers that start through env-exec, as
// tmpfs files on the Docker host (env-files.sh), which env-exec reads (see env-exec.ts for why and how).
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { envFile, envFilesDir, readsSecret, usesEnvExec } from "./env-exec";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "env-files.sh"), "utf8");

/**
 * The command `<pod>-env`, or undefined when no container starts through env-exec. `bootId` is the
 * host's (/proc/sys/kernel/random/boot_id), when known. With a Secret in
 * it, its environment is a Pulumi secret (encrypted in the state, "[secret]" in previews), and so are
 * its triggers, the files themselves: a change replaces it, and with it the pod (replaceWith), as a
 * new Pod on Kubernetes reads the new values.
 */
export function envFilesCommand(spec: PodSpec, target: DockerTarget, opts: pulumi.CustomResourceOptions, bootId?: string): HostCommand | undefined {
  const readers = [...spec.initContainers, ...spec.containers].filter(usesEnvExec);
  if (!readers.length) return undefined;
  const env: Record<string, string> = { PODLAB_ENV_DIR: envFilesDir(spec.name), PODLAB_ENV_CONTAINERS: readers.map((c) => c.name).join("\n") };
  // The host's boot: a reboot empties the tmpfs, and the next `up` updates the command, which writes
  // the files again (the containers, started again by the agent, find them).
  if (bootId) env.PODLAB_BOOT_ID = bootId;
  readers.forEach((c, i) => (env[`PODLAB_ENV_${i}`] = Buffer.from(envFile(c), "utf8").toString("base64")));
  const { environment, ...actions } = scriptActions("env-files.sh", SCRIPT, env);
  const secret = readers.some(readsSecret);
  const files = readers.map(envFile).join("\n");
  return hostCommand(`${spec.name}-env`, {
    ...actions,
    environment: secret ? pulumi.secret(environment as Record<string, string>) : environment,
    triggers: [secret ? pulumi.secret(files) : files],
  }, target, opts);
}
