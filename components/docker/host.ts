// Facts about the Docker engine and its host (local, or over SSH: see target.ts) that decide how a
// pod is laid out on it, or whether it can be: asked once per program run, before the first resource
// exists.
import * as pulumi from "@pulumi/pulumi";
import { LABEL_POD, LABEL_RECLAIM_POLICY, LABEL_ROLE, LABEL_STACK, LABEL_STORAGE_CLASS } from "../model/labels";
import { NodeFacts } from "../model/env";
import { networkContainers, PodSpec } from "../model/pod-spec";
import { PodSpecError } from "../model/validate";
import type { ClaimSpec } from "../model/claims";
import { CLAIM_VOLUME_PREFIX, claimVolumeName } from "./paths";
import { CGROUP_DRIVERS, CgroupDriver } from "./cgroup";
import { EngineApiError, engineGet, localSocket } from "./engine-api";
import type { ImageDefaults } from "./env-exec";
import { describeTarget, DockerTarget, hostPathExists, readHostFile, runOnHost } from "./target";

/** An image as `docker image inspect` and the Engine API's /images/{ref}/json give it (what podlab reads). */
interface InspectedImage {
  Id: string;
  RepoTags?: string[];
  Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null };
}

const defaultsOf = (i: InspectedImage): ImageDefaults => ({ entrypoint: i.Config?.Entrypoint ?? [], cmd: i.Config?.Cmd ?? [] });

/** What the program asks the engine before registering anything (see dockerStack). */
export interface HostFacts {
  cgroupDriver: CgroupDriver;
  /** The host as a node: its name, CPUs and memory (`docker info` Name, NCPU, MemTotal), for env (env.ts). */
  node: NodeFacts;
  /** The image IDs the engine has, by reference (those it lacks are left out). */
  imageIds: Map<string, string>;
  /** Those images' own ENTRYPOINT and CMD, by reference (for env-exec: see env-exec.ts). */
  imageDefaults: Map<string, ImageDefaults>;
  /** The stack (podlab.dev/stack) of every docker-host pod's sandbox on the host, by pod name. */
  owners: Map<string, string>;
  /** The host ports running containers publish. */
  published: PublishedPort[];
  /** Docker volumes named like a claim's (`pvc_…`), with their stack, StorageClass and reclaimPolicy labels ("" when none). */
  claimVolumes: Map<string, ClaimVolume>;
}

/**
 * The engine's facts for `refs`: for the local engine, one round of parallel Engine API requests over
 * its socket (`/info`, `/images/{ref}/json`, `/containers/json`); for an SSH host, or a DOCKER_HOST
 * that is not a unix socket, the docker CLI there. Throws a RunError saying what to start when no
 * engine answers.
 */
export async function hostFacts(target: DockerTarget, refs: string[]): Promise<HostFacts> {
  const socket = target ? undefined : localSocket();
  if (!socket) {
    const info = engineInfo(target);
    const images = inspectImages(refs, target);
    return { cgroupDriver: info.cgroupDriver, node: info.node, imageIds: images.ids, imageDefaults: images.defaults, owners: podOwners(target), published: publishedPorts(target), claimVolumes: claimVolumes(target) };
  }
  const wanted = [...new Set(refs)];
  const filter = (f: Record<string, string[]>) => encodeURIComponent(JSON.stringify(f));
  try {
    const [info, images, sandboxes, running, volumes] = await Promise.all([
      engineGet<{ CgroupDriver: string; Name: string; NCPU: number; MemTotal: number; SwapLimit?: boolean }>(socket, "/info"),
      Promise.all(wanted.map((r) => engineGet<InspectedImage>(socket, `/images/${encodeURIComponent(r)}/json`))),
      engineGet<{ Labels?: Record<string, string> }[]>(socket, `/containers/json?all=1&filters=${filter({ label: [`${LABEL_ROLE}=sandbox`] })}`),
      engineGet<{ Names: string[]; Labels?: Record<string, string>; Ports?: { PublicPort?: number; Type: string }[] }[]>(socket, "/containers/json"),
      engineGet<{ Volumes?: { Name: string; Labels?: Record<string, string> | null }[] }>(socket, `/volumes?filters=${filter({ name: [CLAIM_VOLUME_PREFIX] })}`),
    ]);
    return {
      cgroupDriver: checkedDriver(info?.CgroupDriver ?? ""),
      node: { name: info?.Name ?? "", cpuMillis: (info?.NCPU ?? 0) * 1000, memoryBytes: info?.MemTotal ?? 0, swapLimit: info?.SwapLimit === true },
      imageIds: new Map(wanted.flatMap((r, i) => (images[i] ? [[r, images[i]!.Id] as [string, string]] : []))),
      imageDefaults: new Map(wanted.flatMap((r, i) => (images[i] ? [[r, defaultsOf(images[i]!)] as [string, ImageDefaults]] : []))),
      owners: new Map((sandboxes ?? []).map((c) => [c.Labels?.[LABEL_POD] ?? "", c.Labels?.[LABEL_STACK] ?? ""] as [string, string]).filter(([pod]) => pod)),
      // A port bound on both IPv4 and IPv6 is listed twice: once is enough.
      published: [...new Map((running ?? []).flatMap((c) => (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => ({
        port: p.PublicPort!, protocol: (p.Type === "udp" ? "UDP" : "TCP") as PublishedPort["protocol"],
        container: (c.Names[0] ?? "").replace(/^\//, ""), pod: c.Labels?.[LABEL_POD],
      }))).map((p) => [`${p.container} ${p.port}/${p.protocol}`, p])).values()],
      claimVolumes: new Map((volumes?.Volumes ?? []).filter((v) => v.Name.startsWith(CLAIM_VOLUME_PREFIX))
        .map((v) => [v.Name, { stack: v.Labels?.[LABEL_STACK] ?? "", storageClass: v.Labels?.[LABEL_STORAGE_CLASS] ?? "", reclaimPolicy: v.Labels?.[LABEL_RECLAIM_POLICY] ?? "" }])),
    };
  } catch (err) {
    if (!(err instanceof EngineApiError)) throw err;
    throw new pulumi.RunError(`podlab: the Docker engine at ${socket} did not answer (is dockerd running? run 'npm run bootstrap'): ${err.message}`);
  }
}

function checkedDriver(out: string): CgroupDriver {
  if (!CGROUP_DRIVERS.includes(out as CgroupDriver)) {
    throw new pulumi.RunError(`podlab: Docker reports cgroup driver ${JSON.stringify(out)}; podlab knows ${CGROUP_DRIVERS.join(" and ")}`);
  }
  return out as CgroupDriver;
}

function docker(args: string[], target: DockerTarget): string {
  try {
    return runOnHost(target, ["docker", ...args]);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    // `docker image inspect` prints what it found and fails for what it did not: the caller decides.
    if (args[0] === "image" && e.stdout) return e.stdout;
    if (args[0] === "image" && /No such image/i.test(e.stderr ?? "")) return "[]";
    const hint = target ? "is the host up, and its key in knownHostsFile?" : "is dockerd running? run 'npm run bootstrap'";
    throw new pulumi.RunError(`podlab: 'docker ${args.join(" ")}' on ${describeTarget(target)} failed (${hint}): ${e.stderr?.trim() || e.message}`);
  }
}

/** Docker's cgroup driver, as `docker info` reports it. */
export function detectCgroupDriver(target?: DockerTarget): CgroupDriver {
  return engineInfo(target).cgroupDriver;
}

/** `docker info`'s cgroup driver and the host as a node (name, CPUs, memory), in one call. */
function engineInfo(target: DockerTarget): { cgroupDriver: CgroupDriver; node: NodeFacts } {
  const [driver, ncpu, mem, swap, ...name] = docker(["info", "--format", "{{.CgroupDriver}} {{.NCPU}} {{.MemTotal}} {{.SwapLimit}} {{.Name}}"], target).trim().split(" ");
  return { cgroupDriver: checkedDriver(driver), node: { name: name.join(" "), cpuMillis: Number(ncpu) * 1000, memoryBytes: Number(mem), swapLimit: swap === "true" } };
}

/** An image a stack uses, and where it is named (a config key, or a manifest's file, pod and path). */
export interface ImageUse {
  ref: string;
  where: string;
}

/**
 * The local image ID (sha256:…) behind each reference. Pods are made from these IDs, so an image
 * rebuilt under the same tag is a change the next preview shows and `up` applies. Throws a
 * PodSpecError naming where the first image the engine does not have is used (there is no registry
 * to pull from). `found` is what the engine has (imageIds), when already asked.
 */
export function localImageIds(uses: ImageUse[], target?: DockerTarget, found?: Map<string, string>): Map<string, string> {
  const ids = found ?? imageIds(uses.map((u) => u.ref), target);
  const missing = uses.find((u) => !ids.has(u.ref));
  if (missing) {
    throw new PodSpecError(missing.where, missing.ref, `is not on the Docker engine of ${describeTarget(target)} (podlab's images are built locally: run 'npm run bootstrap', or map the image with podlab:images)`);
  }
  return ids;
}

/** The image IDs the target's engine has for these references (those it lacks are left out). */
export function imageIds(refs: string[], target?: DockerTarget): Map<string, string> {
  return inspectImages(refs, target).ids;
}

/**
 * The IDs, and the own ENTRYPOINT and CMD, of the images the target's engine has for these
 * references, by reference (one `docker image inspect`; those it lacks are left out).
 */
export function inspectImages(refs: string[], target?: DockerTarget): { ids: Map<string, string>; defaults: Map<string, ImageDefaults> } {
  const wanted = [...new Set(refs)];
  const [ids, defaults] = [new Map<string, string>(), new Map<string, ImageDefaults>()];
  if (wanted.length === 0) return { ids, defaults };
  const found = JSON.parse(docker(["image", "inspect", ...wanted], target) || "[]") as InspectedImage[];
  const withTag = (r: string) => (r.includes("@") || /:[^/]+$/.test(r) ? r : `${r}:latest`);
  for (const ref of wanted) {
    const image = found.find((i) => i.Id === ref || (i.RepoTags ?? []).includes(withTag(ref)));
    if (image) {
      ids.set(ref, image.Id);
      defaults.set(ref, defaultsOf(image));
    }
  }
  return { ids, defaults };
}

/**
 * For a remote host: each image's ID, from the local engine when it has the image (podlab's images
 * are built here, and there is no registry: `up` copies them over, see images.ts), else from the
 * remote engine. Returns the IDs and the references to copy; throws a PodSpecError naming where an
 * image neither engine has is used.
 */
export function remoteImageIds(uses: ImageUse[], target: DockerTarget): { ids: Map<string, string>; copy: string[] } {
  // "Any host": a machine without a Docker engine of its own can still drive a remote one.
  let local = new Map<string, string>();
  try {
    local = imageIds(uses.map((u) => u.ref));
  } catch {
    pulumi.log.info("podlab: no local Docker engine answers: images are taken as they are on the remote host");
  }
  const remote = localImageIds(uses.filter((u) => !local.has(u.ref)), target);
  return { ids: new Map([...local, ...remote]), copy: [...local.keys()] };
}

/** The stack (podlab.dev/stack) of every docker-host pod's sandbox on the host, by pod name. */
export function podOwners(target?: DockerTarget): Map<string, string> {
  const out = docker(["ps", "-a", "--filter", `label=${LABEL_ROLE}=sandbox`, "--format", `{{.Label "${LABEL_POD}"}}\t{{.Label "${LABEL_STACK}"}}`], target);
  return new Map(out.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]));
}

/** A claim's Docker volume as the host has it: the labels of its stack, StorageClass and reclaimPolicy ("" when none). */
export interface ClaimVolume { stack: string; storageClass: string; reclaimPolicy: string }

/** `docker volume ls` of the volumes named like a claim's, with their labels. */
function claimVolumes(target?: DockerTarget): Map<string, ClaimVolume> {
  const out = docker(["volume", "ls", "--filter", `name=${CLAIM_VOLUME_PREFIX}`, "--format", `{{.Name}}\t{{.Label "${LABEL_STACK}"}}\t{{.Label "${LABEL_STORAGE_CLASS}"}}\t{{.Label "${LABEL_RECLAIM_POLICY}"}}`], target);
  return new Map(out.split("\n").filter((l) => l.startsWith(CLAIM_VOLUME_PREFIX)).map((l) => {
    const [name, stack, storageClass, reclaimPolicy] = l.split("\t");
    return [name, { stack: stack ?? "", storageClass: storageClass ?? "", reclaimPolicy: reclaimPolicy ?? "" }];
  }));
}

/**
 * Refuses a claim whose Docker volume (`pvc_<claim>`) exists on the host and is not the stack's
 * (another stack's, or one podlab did not make); one whose storageClassName is not its volume's (the
 * API server refuses a change to a claim's spec but for its requests,
 * ValidatePersistentVolumeClaimUpdate); and one whose class's reclaimPolicy is not the one its volume
 * was made with (a provisioned PersistentVolume keeps its policy, and the API server refuses a change
 * of a StorageClass's). One of the stack's own (kept by reclaimPolicy Retain after a destroy) is taken
 * again, data and all. Throws a PodSpecError naming the claim.
 */
export function checkClaimVolumes(claims: ClaimSpec[], existing: Map<string, ClaimVolume>, stack: string): void {
  for (const c of claims) {
    const volume = existing.get(claimVolumeName(c.name));
    if (volume === undefined) continue;
    const name = claimVolumeName(c.name);
    // What frees the name: the owner's destroy, or (for a volume kept by Retain) removing it by hand.
    const wayOut = `remove the volume (docker volume rm ${name}, after saving its data) if nothing uses it any more, or name a new claim`;
    if (volume.stack !== stack) {
      throw new PodSpecError(`${c.source}: metadata.name`, c.name, `needs the Docker volume ${name}, which exists on this host and is ${volume.stack ? `stack ${volume.stack}'s: destroy that stack, or ${wayOut}` : `not podlab's: ${wayOut}`}`);
    }
    if (volume.storageClass && volume.storageClass !== c.storageClassName) {
      throw new PodSpecError(`${c.source}: spec.storageClassName`, c.storageClassName, `is not the class of the claim's volume ${name} (${volume.storageClass}): a claim's class cannot change (the API server refuses any change to its spec but its requests); take the claim out of the manifests and \`pulumi up\` first (a volume kept by Retain then stays: ${wayOut})`);
    }
    if (volume.reclaimPolicy && volume.reclaimPolicy !== c.reclaimPolicy) {
      throw new PodSpecError(`${c.source}: spec.storageClassName`, c.storageClassName, `gives reclaimPolicy ${c.reclaimPolicy}, and the claim's volume ${name} was made with ${volume.reclaimPolicy}, which a provisioned volume keeps (the API server refuses a change of a StorageClass's reclaimPolicy): put it back, or take the claim out and \`pulumi up\` first`);
    }
  }
}

/**
 * Refuses a claim whose Docker volume this stack made and is gone (removed outside podlab: its holder
 * removed, then the volume): Kubernetes reads such a claim as phase Lost, and podlab does not make an
 * empty volume in its place. `recordOf` reads the host's record of a claim (claim-record.sh): the
 * stack that made its volume, or undefined. Throws a PodSpecError at the claim's status.phase that
 * says how to accept the loss.
 */
export function checkClaimsLost(claims: ClaimSpec[], existing: Map<string, ClaimVolume>, stack: string, recordOf: (claim: string) => string | undefined): void {
  for (const c of claims) {
    const name = claimVolumeName(c.name);
    if (existing.has(name) || recordOf(c.name)?.trim() !== stack) continue;
    throw new PodSpecError(`${c.source}: status.phase`, "Lost", `is the claim's phase: its Docker volume ${name}, which this stack made, is gone from the host (removed outside podlab), and podlab does not make an empty one in its place. To accept the loss, take the claim (and the pods that mount it) out of the manifests and \`pulumi up\`, then put it back: a new, empty volume, as Kubernetes needs a Lost claim deleted and made again`);
  }
}

/**
 * Refuses a pod whose name a pod of another stack already uses on this host:
 * its containers and cgroup are named after the pod, so the two would collide half-way through `up`.
 * Throws a PodSpecError naming the pod and the stack that has it.
 */
export function checkPodNames(pods: { spec: PodSpec; source: string }[], owners: Map<string, string>, stack: string): void {
  for (const { spec, source } of pods) {
    // A sandbox without the label was made before podlab recorded its stack: it may well be this
    // stack's own pod (an upgrade), so it is not refused here.
    const owner = owners.get(spec.name);
    if (owner && owner !== stack) {
      throw new PodSpecError(`${source}: metadata.name`, spec.name, `is the name of a pod that already runs on this host, from stack ${owner} (its sandbox ${spec.name}-sandbox): a pod's name must be unique on its host`);
    }
  }
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
export function publishedPorts(target?: DockerTarget): PublishedPort[] {
  const ids = docker(["ps", "-q"], target).split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const containers = JSON.parse(docker(["inspect", ...ids], target)) as any[];
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
export function boundPorts(target?: DockerTarget): Set<string> {
  const out = new Set<string>();
  for (const [file, protocol] of [["tcp", "TCP"], ["tcp6", "TCP"], ["udp", "UDP"], ["udp6", "UDP"]]) {
    const text = readHostFile(target, `/proc/net/${file}`);
    if (text === undefined) continue;
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
export function checkHostPorts(pods: { spec: PodSpec; source: string }[], published: PublishedPort[], bound: () => Set<string> = boundPorts): void {
  const wanted = new Map<string, string>();
  for (const { spec, source } of pods) {
    networkContainers(spec).forEach(({ c, path }) => c.ports.forEach((p, j) => {
      if (p.hostPort === undefined) return;
      const key = `${p.hostPort}/${p.protocol}`;
      const field = `${source}: ${path}.ports[${j}].hostPort`;
      const other = wanted.get(key);
      if (other) throw new PodSpecError(field, p.hostPort, `is also published by pod ${other} of this stack`);
      wanted.set(key, spec.name);
      const holder = published.find((h) => h.port === p.hostPort && h.protocol === p.protocol);
      if (holder && holder.pod === spec.name) return;
      if (holder) {
        const whose = holder.pod ? `pod ${holder.pod}'s container ${holder.container}` : `container ${holder.container}`;
        const hint = holder.pod
          ? ` (if ${holder.pod} is this stack's and was renamed or removed in this change, it frees the port only after the new pod needs it: remove ${holder.pod} in one \`up\`, then add ${spec.name}; if it is another stack's, choose another port)`
          : "";
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
export function checkHostPaths(pods: { spec: PodSpec; source: string }[], exists: (path: string) => boolean = (p) => hostPathExists(undefined, p)): void {
  for (const { spec, source } of pods) {
    spec.volumes.forEach((v, i) => {
      if ("hostPath" in v && v.hostPath.type === "Directory" && !exists(v.hostPath.path)) {
        throw new PodSpecError(`${source}: spec.volumes[${i}].hostPath.path`, v.hostPath.path, "does not exist on this host (type Directory; DirectoryOrCreate would make it)");
      }
    });
  }
}
