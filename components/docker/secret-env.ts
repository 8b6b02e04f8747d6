// The command `<pod>-secret-env`: the secret variables of a pod's containers as tmpfs files on the
// Docker host (secret-env.sh), which env-exec reads (see env-exec.ts for why and how).
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { envFile, readsSecretEnv, secretEnvDir } from "./env-exec";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "secret-env.sh"), "utf8");

/**
 * The command `<pod>-secret-env`, or undefined when no container reads a Secret in its environment.
 * Its environment is a Pulumi secret (encrypted in the state, "[secret]" in previews); so are its
 * triggers, the variables themselves: a change replaces it, and with it the pod (replaceWith), as a
 * new Pod on Kubernetes reads the new values.
 */
export function secretEnvCommand(spec: PodSpec, target: DockerTarget, opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  const readers = [...spec.initContainers, ...spec.containers].filter(readsSecretEnv);
  if (!readers.length) return undefined;
  const env: Record<string, string> = { PODLAB_ENV_DIR: secretEnvDir(spec.name), PODLAB_ENV_CONTAINERS: readers.map((c) => c.name).join("\n") };
  readers.forEach((c, i) => (env[`PODLAB_ENV_${i}`] = Buffer.from(envFile(c), "utf8").toString("base64")));
  const { environment, ...actions } = scriptActions("secret-env.sh", SCRIPT, env);
  return hostCommand(`${spec.name}-secret-env`, {
    ...actions,
    environment: pulumi.secret(environment as Record<string, string>),
    triggers: [pulumi.secret(readers.map(envFile).join("\n"))],
  }, target, opts);
}
