// The preStop hook a container gets when `pulumi destroy` or a replacement stops it: the command
// `<pod>-<container>-pre-stop`, whose delete runs it (pre-stop.sh) before Pulumi stops the container,
// as the kubelet runs a container's preStop hook before it sends SIGTERM. One command per container:
// a replacement of one container runs its hook alone; on destroy they all run at once, as the
// kubelet's killContainersWithSyncResult runs every container's hook when a pod ends, sidecars' too
// (and stops a sidecar only after the app containers: Pulumi deletes the sidecars after the app
// containers, which depend on them). Stops the agent makes run the hooks itself (agent/hooks.go).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerSpec, PodSpec } from "../model/pod-spec";
import { ENV_EXEC, usesEnvExec } from "./env-exec";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "pre-stop.sh"), "utf8");

/** Kubernetes' default terminationGracePeriodSeconds. */
export const DEFAULT_GRACE_SECONDS = 30;

/** The script's environment for these containers' preStop hooks (see pre-stop.sh). */
export function preStopEnvironment(spec: PodSpec, containers: ContainerSpec[]): Record<string, string> {
  const withHook = containers.filter((c) => c.lifecycle?.preStop);
  const env: Record<string, string> = {
    PODLAB_POD: spec.name,
    PODLAB_GRACE_SECONDS: String(spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
    PODLAB_HOOKS: withHook.map((c) => c.name).join("\n"),
  };
  withHook.forEach((c, n) => {
    const h = c.lifecycle!.preStop!;
    const at = `PODLAB_HOOK_${n}_`;
    if (h.exec) {
      // A container that starts through env-exec has its variables there: its hooks run through it too.
      const words = usesEnvExec(c) ? [ENV_EXEC, "--no-expand", ...h.exec.command] : h.exec.command;
      env[`${at}KIND`] = "exec";
      env[`${at}ARGC`] = String(words.length);
      words.forEach((w, i) => (env[`${at}ARG_${i}`] = w));
    } else if (h.httpGet) {
      Object.assign(env, {
        [`${at}KIND`]: "httpGet", [`${at}PORT`]: String(h.httpGet.port), [`${at}PATH`]: h.httpGet.path,
        [`${at}HEADERS`]: (h.httpGet.headers ?? []).map((x) => `${x.name}: ${x.value}`).join("\n"),
      });
    } else if (h.sleep) {
      Object.assign(env, { [`${at}KIND`]: "sleep", [`${at}SECONDS`]: String(h.sleep.seconds) });
    }
  });
  return env;
}

/**
 * The command `<pod>-<container>-pre-stop` that runs the container's preStop hook when it is
 * deleted, or undefined when it has none. The container's ID is its trigger, so that a replacement
 * of the container replaces it first (Pulumi deletes, before a resource it replaces delete-first,
 * the dependents whose inputs read it), and its delete runs the hook while the old container runs.
 */
export function preStopCommand(spec: PodSpec, c: ContainerSpec, container: docker.Container, target: DockerTarget, opts: pulumi.CustomResourceOptions): HostCommand | undefined {
  if (!c.lifecycle?.preStop) return undefined;
  return hostCommand(`${spec.name}-${c.name}-pre-stop`, { ...scriptActions("pre-stop.sh", SCRIPT, preStopEnvironment(spec, [c])), triggers: [container.id] }, target,
    { deleteBeforeReplace: true, dependsOn: [container], ...opts });
}
