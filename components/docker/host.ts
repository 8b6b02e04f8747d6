// Facts about the local Docker engine and host that decide how a pod is laid out on it, or whether
// it can be: asked once per program run, before the first resource exists.
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { LABEL_POD } from "../model/labels";
import { PodSpec } from "../model/pod-spec";
import { PodSpecError } from "../model/validate";
import { CGROUP_DRIVERS, CgroupDriver } from "./cgroup";

function docker(args: string[]): string {
  try {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    // `docker image inspect` prints what it found and fails for what it did not: the caller decides.
    if (args[0] === "image" && e.stdout) return e.stdout;
    throw new pulumi.RunError(`podlab: 'docker ${args.join(" ")}' failed (is dockerd running? run 'npm run bootstrap'): ${e.stderr?.trim() || e.message}`);
  }
}

/** Docker's cgroup driver, as `docker info` reports it. */
export function detectCgroupDriver(): CgroupDriver {
  const out = docker(["info", "--format", "{{.CgroupDriver}}"]).trim();
  if (!CGROUP_DRIVERS.includes(out as CgroupDriver)) {
    throw new pulumi.RunError(`podlab: Docker reports cgroup driver ${JSON.stringify(out)}; podlab knows ${CGROUP_DRIVERS.join(" and ")}`);
  }
  return out as CgroupDriver;
}

/**
 * The local image ID (sha256:…) behind each reference. Pods are made from these IDs, so an image
 * rebuilt under the same tag is a change the next preview shows and `up` applies. Throws a
 * PodSpecError naming the first image the engine does not have (there is no registry to pull from).
 */
export function localImageIds(refs: string[]): Map<string, string> {
  const wanted = [...new Set(refs)];
  const found = JSON.parse(docker(["image", "inspect", ...wanted]) || "[]") as { Id: string; RepoTags?: string[] }[];
  const withTag = (r: string) => (r.includes("@") || /:[^/]+$/.test(r) ? r : `${r}:latest`);
  const ids = new Map<string, string>();
  for (const ref of wanted) {
    const image = found.find((i) => i.Id === ref || (i.RepoTags ?? []).includes(withTag(ref)));
    if (!image) throw new PodSpecError("image", ref, "is not on the Docker engine (podlab's images are built locally: run 'npm run bootstrap', or map the image with podlab:images)");
    ids.set(ref, image.Id);
  }
  return ids;
}

/** A host port published by a running container. */
export interface PublishedPort {
  port: number;
  protocol: "TCP" | "UDP";
  container: string;
  /** The podlab pod the container belongs to, if any. */
  pod?: string;
}

/** The host ports every running container publishes (`docker inspect` HostConfig.PortBindings). */
export function publishedPorts(): PublishedPort[] {
  const ids = docker(["ps", "-q"]).split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const containers = JSON.parse(docker(["inspect", ...ids])) as any[];
  return containers.flatMap((c) =>
    Object.entries((c.HostConfig?.PortBindings ?? {}) as Record<string, { HostPort: string }[] | null>).flatMap(([key, bindings]) =>
      (bindings ?? []).filter((b) => b.HostPort).map((b) => ({
        port: Number(b.HostPort),
        protocol: (key.endsWith("/udp") ? "UDP" : "TCP") as PublishedPort["protocol"],
        container: String(c.Name).replace(/^\//, ""),
        pod: c.Config?.Labels?.[LABEL_POD],
      }))));
}

/** Ports something listens on (TCP) or is bound to (UDP) on this host, from /proc/net. */
export function boundPorts(): Set<string> {
  const out = new Set<string>();
  for (const [file, protocol] of [["tcp", "TCP"], ["tcp6", "TCP"], ["udp", "UDP"], ["udp6", "UDP"]]) {
    let text = "";
    try {
      text = readFileSync(`/proc/net/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      // TCP state 0A is LISTEN; a UDP socket bound to a port holds it whatever its state.
      if (protocol === "TCP" && f[3] !== "0A") continue;
      out.add(`${parseInt(f[1].split(":")[1], 16)}/${protocol}`);
    }
  }
  return out;
}

/**
 * Refuses host ports that cannot be had: one wanted by two pods of the stack, one published by a
 * container that is not the same pod's sandbox (another pod, or a pod renamed in this change, whose
 * port is freed only after the new pod would need it), or one another process listens on. Throws a
 * PodSpecError naming the field, the port and who holds it.
 */
export function checkHostPorts(specs: PodSpec[], published: PublishedPort[], bound: () => Set<string> = boundPorts): void {
  const wanted = new Map<string, string>();
  for (const spec of specs) {
    spec.containers.forEach((c, i) => c.ports.forEach((p, j) => {
      if (p.hostPort === undefined) return;
      const key = `${p.hostPort}/${p.protocol}`;
      const field = `pod ${spec.name}: spec.containers[${i}].ports[${j}].hostPort`;
      const other = wanted.get(key);
      if (other) throw new PodSpecError(field, p.hostPort, `is also published by pod ${other} of this stack`);
      wanted.set(key, spec.name);
      const holder = published.find((h) => h.port === p.hostPort && h.protocol === p.protocol);
      if (holder && holder.pod === spec.name) return;
      if (holder) {
        const whose = holder.pod ? `pod ${holder.pod}'s container ${holder.container}` : `container ${holder.container}`;
        const hint = holder.pod ? ` (a pod renamed or removed in the same change frees it only after the new one needs it: remove ${holder.pod} in one \`up\`, then add ${spec.name})` : "";
        throw new PodSpecError(field, p.hostPort, `is already published on this host by ${whose}${hint}`);
      }
      if (bound().has(key)) throw new PodSpecError(field, p.hostPort, "is already in use on this host by a process outside Docker");
    }));
  }
}

/**
 * A hostPath volume of type Directory must exist (Kubernetes checks it before the pod starts; Docker
 * would fail the container's creation, after its old one is gone). Throws a PodSpecError.
 */
export function checkHostPaths(specs: PodSpec[], exists: (path: string) => boolean = existsSync): void {
  for (const spec of specs) {
    spec.volumes.forEach((v, i) => {
      if ("hostPath" in v && v.hostPath.type === "Directory" && !exists(v.hostPath.path)) {
        throw new PodSpecError(`pod ${spec.name}: spec.volumes[${i}].hostPath.path`, v.hostPath.path, "does not exist on this host (type Directory; DirectoryOrCreate would make it)");
      }
    });
  }
}
