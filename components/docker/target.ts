// Where the docker-host stack's pods run: the local engine (the default), or a Docker host reached
// over SSH (the playground VM, or any host a user has). No Pulumi resources here: what a host is, how
// to run a command on it, and the checks on the config that names it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { PodSpecError } from "../model/validate";

/** A Docker host over SSH. The host key is pinned through `knownHostsFile`, never taken on trust. */
export interface SshHost {
  /** ssh://user@host:port, as Docker's DOCKER_HOST takes it. */
  url: string;
  user: string;
  host: string;
  port: number;
  /** The private key's file (absolute). */
  identityFile: string;
  /** An OpenSSH known_hosts file holding the host's key (absolute). */
  knownHostsFile: string;
  /** The host's public key (`ssh-ed25519 AAAA…`), as found in knownHostsFile. */
  hostKey: string;
  /**
   * Which machine answers there, when the host says (the playground VM's boot): a new one (a VM made
   * again, perhaps on the same port and key) makes the pod's host commands and image copy run again.
   */
  instance?: string;
}

/** The local engine (undefined), or an SSH host. */
export type DockerTarget = SshHost | undefined;

/** podlab:dockerHost as written in stack config (or read from the playground stack's outputs). */
export interface DockerHostConfig {
  url?: unknown;
  identityFile?: unknown;
  knownHostsFile?: unknown;
  instance?: unknown;
  stack?: unknown;
}

const SSH_URL = /^ssh:\/\/([a-z_][a-z0-9_-]{0,31})@([A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/;

const expandHome = (p: string) => (p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p);

/**
 * Checks podlab:dockerHost ({url, identityFile, knownHostsFile}; `where` is its config path) and
 * finds the host's key in the known_hosts file with `ssh-keygen -F` (hashed files included). Throws
 * a PodSpecError naming the field: a url that is not ssh://user@host[:port], a file that does not
 * exist, a host absent from known_hosts (podlab pins host keys: add it with ssh-keyscan, after
 * checking its fingerprint).
 */
export function sshHost(value: DockerHostConfig, where = "podlab:dockerHost", baseDir = process.cwd()): SshHost {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new PodSpecError(where, value, "is not a mapping of url, identityFile and knownHostsFile");
  for (const key of Object.keys(value)) {
    if (!["url", "identityFile", "knownHostsFile", "instance"].includes(key)) throw new PodSpecError(`${where}.${key}`, (value as Record<string, unknown>)[key], "is not a field of podlab:dockerHost (url, identityFile, knownHostsFile, or stack alone)");
  }
  const m = typeof value.url === "string" ? SSH_URL.exec(value.url) : null;
  if (!m) throw new PodSpecError(`${where}.url`, value.url, "is not ssh://user@host[:port]");
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) throw new PodSpecError(`${where}.url`, value.url, "has a port outside 1-65535");
  const file = (key: "identityFile" | "knownHostsFile") => {
    const v = value[key];
    if (v === undefined) throw PodSpecError.plain(`${where}.${key}`, "is missing: an SSH host needs url, identityFile and knownHostsFile");
    if (typeof v !== "string" || v === "") throw new PodSpecError(`${where}.${key}`, v, "is not a file path");
    const path = resolve(baseDir, expandHome(v));
    if (!existsSync(path)) throw new PodSpecError(`${where}.${key}`, v, `does not exist (${path})`);
    return path;
  };
  const identityFile = file("identityFile");
  const knownHostsFile = file("knownHostsFile");
  const host = m[2];
  const hostKey = knownHostKey(knownHostsFile, port === 22 ? host : `[${host.replace(/^\[|\]$/g, "")}]:${port}`);
  if (!hostKey) throw new PodSpecError(`${where}.knownHostsFile`, value.knownHostsFile, `has no key for ${host} port ${port}: podlab pins host keys (add the host's key, e.g. ssh-keyscan -p ${port} ${host}, after checking its fingerprint)`);
  if (value.instance !== undefined && (typeof value.instance !== "string" || !/^[A-Za-z0-9._-]{1,128}$/.test(value.instance))) {
    throw new PodSpecError(`${where}.instance`, value.instance, "is not a machine identifier (letters, digits, '.', '_', '-')");
  }
  return { url: value.url as string, user: m[1], host, port, identityFile, knownHostsFile, hostKey, ...(value.instance !== undefined ? { instance: value.instance as string } : {}) };
}

/** The first key of `host` (`host` or `[host]:port`) in a known_hosts file, as `type base64`. */
function knownHostKey(file: string, host: string): string | undefined {
  let out = "";
  try {
    out = execFileSync("ssh-keygen", ["-F", host, "-f", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    return undefined; // ssh-keygen -F exits 1 when the host is not there
  }
  const line = out.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
  return line?.trim().split(/\s+/).slice(1, 3).join(" ");
}

/** True when a path is absolute; the playground's outputs are, and relative ones resolve from cwd. */
export const absolute = (p: string) => isAbsolute(p);

/** What tells one machine at a host's address from another: its address, key and instance. */
export const hostIdentity = (h: SshHost) => [h.url, h.hostKey, h.instance ?? ""].join(" ");

/** podlab's SSH master sockets: in a folder only this user can enter, never a shared /tmp name. */
export const sshControlDir = () => join(process.env.PODLAB_CACHE ?? join(homedir(), ".cache", "podlab"), "ssh");

/**
 * OpenSSH client options for a host: no config file but these, batch mode (never a prompt), the
 * pinned host key (StrictHostKeyChecking=yes against knownHostsFile only), keepalives (a host gone
 * mid-command fails within 15 s), and one master connection reused for 60 s, so a program's many
 * checks pay the handshake once.
 */
export function sshOptions(h: SshHost): string[] {
  return [
    "-F", "/dev/null",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${h.knownHostsFile}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "IdentitiesOnly=yes",
    "-i", h.identityFile,
    "-o", "ConnectTimeout=15",
    "-o", "ControlMaster=auto",
    "-o", `ControlPath=${join(sshControlDir(), "%C")}`,
    "-o", "ControlPersist=60",
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3",
    "-p", String(h.port),
  ];
}

/** A word quoted for a POSIX shell: ssh hands the remote side one command line, not an argv. */
export const shellQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The program and arguments that run `argv` on the target: itself locally, through ssh remotely
 * (making the master sockets' folder, 0700, on first use).
 */
export function onHost(target: DockerTarget, argv: string[]): [string, string[]] {
  if (!target) return [argv[0], argv.slice(1)];
  mkdirSync(sshControlDir(), { recursive: true, mode: 0o700 });
  return ["ssh", [...sshOptions(target), `${target.user}@${target.host}`, "--", argv.map(shellQuote).join(" ")]];
}

/** Runs `argv` on the target and returns its stdout; throws execFileSync's error (with stdout, stderr). */
export function runOnHost(target: DockerTarget, argv: string[]): string {
  const [file, args] = onHost(target, argv);
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
}

/**
 * An error of runOnHost that is not the remote command's answer, rethrown as such, so that a caller
 * does not take it for "no such file": ssh's own failure (exit status 255: the host unreachable, the
 * key refused), a session killed at runOnHost's timeout (a signal), or no ssh to run (ENOENT).
 */
function rethrowSshFailure(target: DockerTarget, e: unknown): void {
  const err = e as { status?: number | null; signal?: string | null; code?: string; stderr?: string };
  if (!target) return;
  if (err.status === 255) throw new Error(`cannot reach ${describeTarget(target)} over SSH: ${String(err.stderr ?? "").trim() || "ssh exited 255"}`);
  if (err.signal || err.code) throw new Error(`cannot run a command on ${describeTarget(target)} over SSH: ${err.code ?? `killed by ${err.signal}`}`);
}

/**
 * The file's text on the target, or undefined when it cannot be read. Throws when a remote host
 * cannot be reached over SSH.
 */
export function readHostFile(target: DockerTarget, path: string): string | undefined {
  if (!target) {
    try { return readFileSync(path, "utf8"); } catch { return undefined; }
  }
  try { return runOnHost(target, ["cat", path]); } catch (e) { rethrowSshFailure(target, e); return undefined; }
}

/** Whether a path exists on the target. Throws when a remote host cannot be reached over SSH. */
export function hostPathExists(target: DockerTarget, path: string): boolean {
  if (!target) return existsSync(path);
  try { runOnHost(target, ["test", "-e", path]); return true; } catch (e) { rethrowSshFailure(target, e); return false; }
}

/** Where the target is, for messages: "the local engine" or "ssh://root@127.0.0.1:10022". */
export const describeTarget = (target: DockerTarget) => (target ? target.url : "the local engine");
