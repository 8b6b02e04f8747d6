// What the live views (scripts/inspect.ts, scripts/compare.ts --live) need of a deployed stack: its
// pods' layouts, and the host they run on (its `dockerHost` output, else the local engine).
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DockerTarget, sshHost } from "../components/docker/target";
import { PodLayout } from "../components/model/layout";

export interface DeployedPods {
  layouts: PodLayout[];
  /** Where a docker-host stack's pods run: undefined for the local engine. */
  target: DockerTarget;
}

/**
 * A stack's `layouts` output and, when it has a `dockerHost` output, that host (its key pinned, as
 * `sshHost` checks it), through Pulumi's Automation API. Throws when the stack has no layouts.
 */
export async function deployedPods(stack: string): Promise<DeployedPods> {
  const ws = await LocalWorkspace.create({ workDir: resolve(__dirname, "..") });
  const outputs = await ws.stackOutputs(stack).catch((err: Error) => {
    // The CLI's own words ("error: no stack named 'x' found"), not the whole command's dump.
    const said = [...err.message.matchAll(/error: (.+)/g)].pop()?.[1]?.trim();
    throw new Error(said ? `stack ${stack}: ${said} (pulumi stack ls lists this project's stacks)` : err.message);
  });
  const layouts = outputs.layouts?.value;
  if (!Array.isArray(layouts)) throw new Error(`stack ${stack} has no 'layouts' output: run 'pulumi up' on it first`);
  const dockerHost = outputs.dockerHost?.value;
  return { layouts, target: dockerHost ? sshHost(dockerHost, `stack ${stack}'s output dockerHost`) : undefined };
}

/** A stack's pods (deployedPods), or a file of layouts as a stack exports them (pods on the local host). */
export async function layoutsFrom(stack: string | undefined, file: string | undefined): Promise<DeployedPods> {
  return file ? { layouts: JSON.parse(readFileSync(file, "utf8")) as PodLayout[], target: undefined } : deployedPods(stack!);
}
