// The environment each container's process runs with (/proc/<pid>/environ), compared across the two
// platforms for `compare --live`. Values may be a Secret's: they are compared here and never shown;
// a difference names the variable and, at most, a short digest of each value.
import { createHmac, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import execa from "execa";
import type { LayoutDifference } from "../components/model/compare";
import { describeTarget, DockerTarget, onHost } from "../components/docker/target";
import type { LivePod } from "./live";

// Each PID's /proc/P/environ, base64 on one line (values may hold newlines); PIDs come as arguments.
const ENVIRON_SCRIPT = `for p; do printf 'pid %s\\n' "$p"; base64 -w0 < "/proc/$p/environ" || exit 1; printf '\\n'; done`;

/**
 * Each process's environment on the target host (the local one by default), as name to value, in
 * one command. Throws, with its stderr, when /proc cannot be read.
 */
export async function processEnvironments(pids: number[], target?: DockerTarget): Promise<Record<string, string>[]> {
  for (const pid of pids) if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${pid} is not a process id`);
  const run = await execa(...onHost(target, ["sh", "-c", ENVIRON_SCRIPT, "sh", ...pids.map(String)]), { reject: false });
  if (run.exitCode !== 0) throw new Error(`cannot read /proc/<pid>/environ on ${describeTarget(target)}: ${run.stderr}`);
  const lines = run.stdout.split("\n");
  return pids.map((pid) => {
    const vars = Buffer.from(lines[lines.indexOf(`pid ${pid}`) + 1] ?? "", "base64").toString("utf8").split("\0").filter(Boolean);
    return Object.fromEntries(vars.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  });
}

/** Kubernetes' Service variables (enableServiceLinks: `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT_…`). */
const SERVICE_VARIABLE = /^[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)?)$/;
// What may be an IP address in a value (IPv4, then IPv6); isIP decides (a time such as 12:30:45 is none).
const IPV4_CANDIDATE = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV6_CANDIDATE = /[0-9a-f]*:[0-9a-f:]*:[0-9a-f]*/gi;
const maskAddresses = (v: string) =>
  v.replace(IPV4_CANDIDATE, (m) => (isIP(m) ? "<ip>" : m)).replace(IPV6_CANDIDATE, (m) => (isIP(m) ? "<ip>" : m));
// A key of this run only: a digest tells two values apart here and says nothing of a value elsewhere.
const KEY = randomBytes(32);
const digest = (v: string) => `hmac:${createHmac("sha256", KEY).update(v).digest("hex").slice(0, 8)}`;

/** What tells two values apart only by the platform: the node's name, and addresses each network gives. */
export interface PlatformValues {
  /** The node's name on each side (spec.nodeName: the Docker host's name, the cluster node's). */
  nodeNames: [string, string];
}

/**
 * The differences of the two pods' environments, container by container (by name): a variable set on
 * one side only, or with other values. Expected, with the reason: Kubernetes' Service variables
 * (enableServiceLinks; a Docker host has no Services: pkg/kubelet/kubelet_pods.go getServiceEnvVarMap),
 * values that differ only by the node's name (spec.nodeName) or by IP addresses (status.podIP,
 * status.hostIP: each platform's network gives its own). Values show as digests only (an HMAC with a
 * key of this run).
 */
export function envDifferences(left: LivePod, right: LivePod, env: [Map<string, Record<string, string>>, Map<string, Record<string, string>>], platform: PlatformValues): LayoutDifference[] {
  const out: LayoutDifference[] = [];
  for (const [name, l] of env[0]) {
    const r = env[1].get(name);
    if (!r) continue;
    const at = `${left.pod}/${name}: env`;
    const mask = (v: string, side: 0 | 1) => maskAddresses(v.split(platform.nodeNames[side]).join("<node>"));
    for (const v of [...new Set([...Object.keys(l), ...Object.keys(r)])].sort()) {
      const [a, b] = [l[v], r[v]];
      if (a === b) continue;
      const only = a === undefined ? 1 : b === undefined ? 0 : undefined;
      const k8sSide = left.platform === "kubernetes" ? 0 : 1;
      const expectedBecause = only === k8sSide && SERVICE_VARIABLE.test(v) ? "a Service variable (enableServiceLinks): a Docker host has no Services"
        : only === undefined && mask(a!, 0) === mask(b!, 1)
          ? (mask(a!, 0).includes("<node>") ? "the node's name (spec.nodeName): the Docker host's, the cluster node's" : "an address each platform's network gives (status.podIP, status.hostIP)")
          : undefined;
      out.push({ path: `${at} ${v}`, left: a === undefined ? "(unset)" : digest(a), right: b === undefined ? "(unset)" : digest(b), ...(expectedBecause ? { expectedBecause } : {}) });
    }
  }
  return out;
}

/** The environment of each container of a live pod, by container name. */
export async function liveEnvironments(pod: LivePod, target?: DockerTarget): Promise<Map<string, Record<string, string>>> {
  const envs = await processEnvironments(pod.containers.map((c) => c.pid), target);
  return new Map(pod.containers.map((c, i) => [c.name, envs[i]]));
}
