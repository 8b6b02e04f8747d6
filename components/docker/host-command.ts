// A command that must run on the Docker host itself (the pod's cgroup, its volumes' files, the init
// gate, the readiness gate): command:local:Command on the local engine's host, command:remote:Command
// over SSH (host key pinned) on a remote one. Both take the same constant bash scripts; values reach
// them through the environment only.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { DockerTarget, hostIdentity, shellQuote, SshHost } from "./target";

/** A bash script as one command line for a remote login shell, whatever that shell is. */
export const bashOn = (script: string) => `bash -c ${shellQuote(script)}`;

/** The remote Command's connection to an SSH host: its pinned key, and the key file's contents. */
export function connectionTo(h: SshHost): command.types.input.remote.ConnectionArgs {
  return {
    host: h.host.replace(/^\[|\]$/g, ""), port: h.port, user: h.user, hostKey: h.hostKey,
    privateKey: pulumi.secret(readFileSync(h.identityFile, "utf8")),
    // A VM under TCG can take a while to accept a connection while it is busy.
    perDialTimeout: 30,
  };
}

/** The variable that carries a script run by scriptActions. */
export const SCRIPT_VARIABLE = "PODLAB_SCRIPT";

/**
 * A command's create, update and delete for one constant bash script that takes its action as $1
 * (`create`, `update`, `delete`): the script travels once, in the environment variable
 * PODLAB_SCRIPT, and each action is one line, `exec bash -c "$PODLAB_SCRIPT" <label> <action>`.
 * Written out in each action, a script sits six times in the state (the three inputs and their
 * outputs), and Pulumi writes the whole state after every step: the cgroup script's copies were 73%
 * of a 10-pod stack's state (726 of 988 KB; issue 19). `environment` holds the command's other
 * variables; a change to the script still shows as an update of the command, and runs its update.
 */
export function scriptActions(label: string, script: string, environment: Record<string, string>): Pick<HostCommandArgs, "create" | "update" | "delete" | "environment"> {
  const run = (action: "create" | "update" | "delete") => `exec bash -c "$${SCRIPT_VARIABLE}" ${label} ${action}`;
  return { create: run("create"), update: run("update"), delete: run("delete"), environment: { ...environment, [SCRIPT_VARIABLE]: script } };
}

/** Arguments of a host command: local's, whose interpreter is bash. */
export type HostCommandArgs = Omit<command.local.CommandArgs, "interpreter">;

export type HostCommand = command.local.Command | command.remote.Command;

/**
 * The command `name` on the target: a local Command run by bash, or a remote one whose create,
 * update and delete run under bash on the host (`bash -c '<script>'`). The resource types differ,
 * so moving a stack between hosts replaces its commands (their delete runs where they were made);
 * a remote one is made again on another machine at the same address too (hostIdentity in its
 * triggers), since what it made there (a slice, files) is not on the new machine.
 */
export function hostCommand(name: string, args: HostCommandArgs, target: DockerTarget, opts: pulumi.CustomResourceOptions): HostCommand {
  if (!target) return new command.local.Command(name, { ...args, interpreter: ["/bin/bash", "-c"] }, opts);
  const wrap = (s: pulumi.Input<string> | undefined) => (s === undefined ? undefined : pulumi.output(s).apply(bashOn));
  return new command.remote.Command(name, {
    connection: connectionTo(target),
    create: wrap(args.create), update: wrap(args.update), delete: wrap(args.delete),
    environment: args.environment, stdin: args.stdin, logging: args.logging,
    triggers: pulumi.output(args.triggers ?? []).apply((t) => [...t, hostIdentity(target)]),
  }, opts);
}
