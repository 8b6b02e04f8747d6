// A command resource whose create or delete runs podlab's pod agent once (agent-once.sh): the pod's
// init phase (init.ts) and its end (stop.ts). The rules are the agent's (agent/); this file only says
// when they run.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PodSpec } from "../model/pod-spec";
import { agentPodConfig } from "./agent";
import { CgroupDriver } from "./cgroup";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { POST_STARTED_DIR } from "./paths";
import { DockerTarget } from "./target";

const SCRIPT = readFileSync(join(__dirname, "agent-once.sh"), "utf8");

/** What a one-shot run of the agent needs: the pod, the host's cgroup driver, the agent's image, the host. */
export interface AgentOnceArgs {
  spec: PodSpec;
  cgroupDriver: CgroupDriver;
  /** The agent's image, by ID. */
  agentImage: pulumi.Input<string>;
  target: DockerTarget;
}

/**
 * agent-once.sh's environment: the pod as the agent is told it (the same PodConfig as the stack's
 * agent), what the command's create and delete run (`on`), and the run's own variables (`extra`).
 */
export function agentOnceEnvironment(args: AgentOnceArgs, on: { create?: "init"; delete?: "stop" }, extra: Record<string, pulumi.Input<string>> = {}): Record<string, pulumi.Input<string>> {
  return {
    PODLAB_POD: args.spec.name,
    PODLAB_PODS: JSON.stringify([agentPodConfig(args.spec, args.cgroupDriver)]),
    PODLAB_AGENT_IMAGE: args.agentImage,
    PODLAB_POST_STARTED_DIR: POST_STARTED_DIR,
    ...(on.create ? { PODLAB_ON_CREATE: on.create } : {}),
    ...(on.delete ? { PODLAB_ON_DELETE: on.delete } : {}),
    ...extra,
  };
}

/** The command `name` that runs agent-once.sh with `environment` on the target's host. */
export function agentOnceCommand(name: string, environment: Record<string, pulumi.Input<string>>, triggers: pulumi.Input<string>[], target: DockerTarget, opts: pulumi.CustomResourceOptions): HostCommand {
  const { environment: scriptEnv, ...actions } = scriptActions("agent-once.sh", SCRIPT, {});
  return hostCommand(name, { ...actions, environment: { ...environment, ...scriptEnv }, triggers }, target, opts);
}
