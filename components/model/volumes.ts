// A Pod manifest's volumes into the model: emptyDir, hostPath, and the volumes the kubelet fills
// with files (configMap, secret, downwardAPI, projected), whose files are computed here as the
// kubelet computes them, so that both platforms mount the same bytes with the same modes. On the
// docker platform what it cannot render is refused here; on Kubernetes the cluster judges.
import { podLimits } from "./pod-limits";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { checkHostPath } from "./docker-rules";
import { fieldValue, NodeFacts, resourceValue } from "./env";
import { PodSpec, VolumeFile, VolumeSpec } from "./pod-spec";
import { parseMemory } from "./quantity";
import { checkMemory, DNS_LABEL, PodSpecError } from "./validate";

type K8sVolume = NonNullable<NonNullable<IPod["spec"]>["volumes"]>[number];

// ConfigMap and Secret keys (Kubernetes' IsConfigMapKey): they become file names; none may start with "..".
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;
// The docker platform hands a volume's files to its volume command in the environment, base64-encoded;
// Linux takes at most 128 KiB per variable (MAX_ARG_STRLEN) and about 2 MiB in all (ARG_MAX).
const MAX_FILE = 90 * 1024;
const MAX_FILES = 1024 * 1024;

/** What reading a volume needs besides the volume: the manifests' objects, the platform, the node. */
export interface VolumeContext {
  configMaps: Map<string, IConfigMap>;
  secrets: Map<string, ISecret>;
  /** PersistentVolumeClaims of the manifests, by name (none when unset). */
  claims?: Map<string, { claim: IPersistentVolumeClaim }>;
  /** Docker: refuse what cannot be rendered; Kubernetes: read what can be. */
  strict: boolean;
  node?: NodeFacts;
}

/** A configMap or secret source's items, mode and optional flag, as the Pod API writes them. */
interface Projection {
  items?: { key: string; path: string; mode?: number }[];
  defaultMode?: number;
  optional?: boolean;
}

/**
 * The files the kubelet projects from a ConfigMap's or Secret's keys (pkg/volume/configmap and
 * pkg/volume/secret, MakePayload): every key at its own name, or only the items' keys at their paths
 * (a missing key is refused unless the source is optional); each file's mode is the item's, else
 * `mode` (the volume's defaultMode, 0644 unset). Messages name keys, never values.
 */
function keyFiles(at: string, object: string, keys: { key: string; base64: string }[], p: Projection, mode: number, strict: boolean): VolumeFile[] {
  const byKey = new Map(keys.map((k) => [k.key, k.base64]));
  if (!p.items) {
    for (const k of keys) {
      if (strict && (!CONFIGMAP_KEY.test(k.key) || k.key === "." || k.key.startsWith(".."))) throw new PodSpecError(`${at} (${object}): key ${k.key}`, k.key, "is not a valid key");
    }
    return keys.map((k) => ({ path: k.key, base64: k.base64, mode }));
  }
  return p.items.flatMap((item, i) => {
    const base64 = byKey.get(item.key);
    if (base64 === undefined && !p.optional && strict) throw new PodSpecError(`${at}.items[${i}].key`, item.key, `is not a key of ${object} (mark it optional: true to leave it out)`);
    return base64 === undefined ? [] : [{ path: item.path, base64, mode: item.mode ?? mode }];
  });
}

/** A ConfigMap's keys (data as UTF-8, binaryData as it is), or undefined when the manifests lack it. */
function configMapKeys(ctx: VolumeContext, name: string): { key: string; base64: string }[] | undefined {
  const cm = ctx.configMaps.get(name);
  return cm && [
    ...Object.entries(cm.data ?? {}).map(([key, text]) => ({ key, base64: Buffer.from(text, "utf8").toString("base64") })),
    ...Object.entries(cm.binaryData ?? {}).map(([key, base64]) => ({ key, base64 })),
  ];
}

/** A Secret's keys: stringData written over data, as the API server merges them (pkg/apis/core/v1 conversion). */
function secretKeys(ctx: VolumeContext, name: string): { key: string; base64: string }[] | undefined {
  const secret = ctx.secrets.get(name);
  if (!secret) return undefined;
  const keys = new Map(Object.entries(secret.data ?? {}));
  for (const [key, text] of Object.entries(secret.stringData ?? {})) keys.set(key, Buffer.from(text, "utf8").toString("base64"));
  return [...keys].map(([key, base64]) => ({ key, base64 }));
}

/**
 * The files of a ConfigMap or Secret that a volume or a projected source names (`at` its path, `field`
 * the name's field): none when the manifests lack it, which the docker platform refuses unless it is
 * optional (on Kubernetes it may live in the cluster).
 */
function objectFiles(at: string, field: string, kind: "ConfigMap" | "Secret", name: string, p: Projection, mode: number, ctx: VolumeContext): VolumeFile[] {
  const keys = kind === "ConfigMap" ? configMapKeys(ctx, name) : secretKeys(ctx, name);
  if (keys) return keyFiles(at, `${kind} ${name}`, keys, p, mode, ctx.strict);
  if (ctx.strict && !p.optional) throw new PodSpecError(`${at}.${field}`, name, `is not the name of a ${kind} in the stack's manifests (mark it optional: true to mount an empty volume without it)`);
  return [];
}

type DownwardItem = { path: string; mode?: number; fieldRef?: { fieldPath: string }; resourceFieldRef?: { containerName?: string; resource: string; divisor?: unknown } };

/**
 * The downward API's files (pkg/volume/downwardapi CollectData): each item's value (a pod field, whole
 * label and annotation maps as `key="value"` lines, or a container's resource) at its path.
 */
function downwardFiles(at: string, items: DownwardItem[], pod: IPod, mode: number, ctx: VolumeContext): VolumeFile[] {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return items.flatMap((item, i) => {
    const here = `${at}.items[${i}]`;
    const value = item.fieldRef
      ? fieldValue(here, item.fieldRef.fieldPath, pod, { configMaps: ctx.configMaps, strict: ctx.strict, node: ctx.node })
      : resourceValue(here, item.resourceFieldRef as never, containers.find((c) => c.name === item.resourceFieldRef?.containerName), pod, { configMaps: ctx.configMaps, strict: ctx.strict, node: ctx.node });
    return value === undefined ? [] : [{ path: item.path, base64: Buffer.from(value, "utf8").toString("base64"), mode: item.mode ?? mode }];
  });
}

/** The files' sizes against what the docker platform's volume command can carry; sizes only in messages. */
function checkSizes(at: string, files: VolumeFile[]): void {
  let total = 0;
  for (const f of files) {
    const bytes = Buffer.byteLength(f.base64, "base64");
    total += bytes;
    if (bytes > MAX_FILE) throw PodSpecError.plain(`${at}: ${f.path}`, `${bytes} bytes is over ${MAX_FILE / 1024} KiB, the most the docker platform writes per file (through its volume command's environment)`);
  }
  if (total > MAX_FILES) throw PodSpecError.plain(at, `${total} bytes is over ${MAX_FILES / 1024 / 1024} MiB, the most the docker platform writes per volume`);
}

/** One file per path, the last source's, as the kubelet's payload map keeps it (projected collectData). */
const lastPerPath = (files: VolumeFile[]) => [...new Map(files.map((f) => [f.path, f])).values()];

/**
 * A projected volume's sources (pkg/volume/projected collectData): secret, configMap and downwardAPI
 * files together, each source's items or keys, with the volume's defaultMode. A service account token
 * or a cluster trust bundle needs a Kubernetes API: refused on the docker platform.
 */
function projectedSources(at: string, v: NonNullable<K8sVolume["projected"]>, pod: IPod, ctx: VolumeContext): { files: VolumeFile[]; secret: boolean } {
  const mode = v.defaultMode ?? 0o644;
  let secret = false;
  const files = (v.sources ?? []).flatMap((src, i) => {
    const here = `${at}.projected.sources[${i}]`;
    if (src.secret) {
      secret = true;
      return objectFiles(`${here}.secret`, "name", "Secret", src.secret.name ?? "", src.secret, mode, ctx);
    }
    if (src.configMap) return objectFiles(`${here}.configMap`, "name", "ConfigMap", src.configMap.name ?? "", src.configMap, mode, ctx);
    if (src.downwardAPI) return downwardFiles(`${here}.downwardAPI`, (src.downwardAPI.items ?? []) as DownwardItem[], pod, mode, ctx);
    if (ctx.strict) throw PodSpecError.plain(here, `${Object.keys(src).join(", ")} needs a Kubernetes API, which a Docker host has not (secret, configMap and downwardAPI sources are rendered)`);
    return [];
  });
  return { files, secret };
}

/**
 * One volume of the manifest in the model. Throws a PodSpecError (docker platform) naming the field
 * for what cannot be rendered: a claim the manifests lack, an unknown emptyDir medium, a sizeLimit on disk, a hostPath type other
 * than "", DirectoryOrCreate and Directory, a ConfigMap or Secret the manifests lack (unless optional),
 * a missing key of items (unless optional), files the volume command cannot carry.
 */
export function volumeSpec(at: string, v: K8sVolume, pod: IPod, ctx: VolumeContext): VolumeSpec {
  const strict = ctx.strict;
  if (strict && !DNS_LABEL.test(v.name)) throw new PodSpecError(`${at}.name`, v.name, "is not a valid volume name (a DNS label)");
  if (v.emptyDir) {
    const medium = v.emptyDir.medium ?? "";
    if (strict && medium !== "" && medium !== "Memory") throw new PodSpecError(`${at}.emptyDir.medium`, medium, "is not rendered on the docker platform (\"\" or Memory)");
    const size = v.emptyDir.sizeLimit === undefined ? undefined : String(v.emptyDir.sizeLimit);
    // On disk the kubelet enforces sizeLimit by evicting the pod (its eviction manager); a tmpfs holds it itself.
    if (strict && size !== undefined && medium !== "Memory") {
      throw new PodSpecError(`${at}.emptyDir.sizeLimit`, size, "is enforced by the kubelet's eviction manager on disk, which a Docker host has not: set medium: Memory (a tmpfs of that size), or leave it out");
    }
    const sizeLimitBytes = size === undefined ? undefined : strict ? checkMemory(`${at}.emptyDir.sizeLimit`, size) : parseMemory(size);
    return { name: v.name, emptyDir: { medium: medium as "" | "Memory", ...(sizeLimitBytes !== undefined ? { sizeLimitBytes } : {}) } };
  }
  if (v.hostPath) {
    const type = v.hostPath.type ?? "";
    if (strict && type !== "" && type !== "DirectoryOrCreate" && type !== "Directory") {
      throw new PodSpecError(`${at}.hostPath.type`, type, "is not supported on the docker platform (\"\", DirectoryOrCreate or Directory)");
    }
    if (strict) checkHostPath(`${at}.hostPath.path`, v.hostPath.path);
    return { name: v.name, hostPath: { path: v.hostPath.path, type: type as "" } };
  }
  if (v.persistentVolumeClaim) {
    const { claimName, readOnly } = v.persistentVolumeClaim;
    // The docker platform has no cluster to find the claim in: it must be among the manifests.
    const found = ctx.claims?.get(claimName);
    if (strict && !found) {
      throw new PodSpecError(`${at}.persistentVolumeClaim.claimName`, claimName, "is not the name of a PersistentVolumeClaim in the stack's manifests (the docker platform makes a Docker volume for each claim there)");
    }
    // A Pod finds claims in its own namespace only.
    const [podNs, claimNs] = [pod.metadata?.namespace ?? "default", found?.claim.metadata?.namespace ?? "default"];
    if (strict && podNs !== claimNs) {
      throw new PodSpecError(`${at}.persistentVolumeClaim.claimName`, claimName, `is a PersistentVolumeClaim of namespace ${claimNs}, and a Pod (here of namespace ${podNs}) mounts claims of its own namespace only`);
    }
    return { name: v.name, persistentVolumeClaim: { claimName, readOnly: readOnly ?? false } };
  }
  const mode = (v.configMap ?? v.secret ?? v.downwardAPI ?? v.projected)?.defaultMode ?? 0o644;
  // On Kubernetes an object the manifests lack may live in the cluster: the model keeps no files then.
  if (v.configMap || v.secret) {
    const [kind, name, field] = v.configMap ? ["ConfigMap", v.configMap.name ?? "", "configMap"] as const : ["Secret", v.secret!.secretName ?? "", "secret"] as const;
    const files = objectFiles(`${at}.${field}`, v.configMap ? "name" : "secretName", kind, name, (v.configMap ?? v.secret)!, mode, ctx);
    if (strict) checkSizes(`${at}.${field} (${kind} ${name})`, files);
    return v.configMap ? { name: v.name, configMap: { name, files } } : { name: v.name, secret: { name, files } };
  }
  if (v.downwardAPI || v.projected) {
    const { files, secret } = v.downwardAPI
      ? { files: downwardFiles(`${at}.downwardAPI`, (v.downwardAPI.items ?? []) as DownwardItem[], pod, mode, ctx), secret: false }
      : projectedSources(at, v.projected!, pod, ctx);
    const unique = lastPerPath(files);
    if (strict) checkSizes(`${at}.${v.downwardAPI ? "downwardAPI" : "projected"}`, unique);
    return { name: v.name, projected: { files: unique, secret } };
  }
  // checkSupported lets no other volume source through on the docker platform; on Kubernetes any is fine.
  if (!strict) return { name: v.name, other: Object.keys(v).find((k) => k !== "name") ?? "unknown" };
  throw new PodSpecError(at, v, "has no volume source podlab renders (emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)");
}

// What the volume command's environment holds at most, in base64, for a whole pod: under Linux's
// ARG_MAX (about 2 MiB of arguments and environment together) with room for the rest.
const MAX_POD_BASE64 = 1536 * 1024;

/**
 * All the files a pod's volumes carry to the host must fit one command's environment (base64): refused
 * on the docker platform before anything is made, with the size, never a value.
 */
export function checkPodVolumeBytes(source: string, volumes: VolumeSpec[]): void {
  const files = volumes.flatMap((v) => ("configMap" in v ? v.configMap.files : "secret" in v ? v.secret.files : "projected" in v ? v.projected.files : []));
  const total = files.reduce((n, f) => n + f.base64.length, 0);
  if (total > MAX_POD_BASE64) throw PodSpecError.plain(`${source}: spec.volumes`, `hold ${total} bytes of files in base64, over the ${MAX_POD_BASE64 / 1024} KiB the docker platform's volume command can carry for one pod`);
}

/**
 * A memory-backed emptyDir's size in bytes, as the kubelet's calculateEmptyDirMemorySize
 * (pkg/volume/emptydir, SizeMemoryBackedVolumes) sets it: the smallest of the node's memory, the pod's
 * memory limit as its cgroup has it (pod-limits.ts, ResourceConfigForPod) and the volume's sizeLimit, each when above
 * zero; undefined when none is known (the tmpfs default, half the host's memory).
 */
export function emptyDirMemoryBytes(spec: PodSpec, sizeLimitBytes: number | undefined, nodeMemoryBytes?: number): number | undefined {
  // The kubelet takes the pod cgroup's limit (ResourceConfigForPod), "to maintain consistent behavior".
  const podLimit = podLimits(spec).memoryBytes;
  const known = [nodeMemoryBytes, podLimit, sizeLimitBytes].filter((b): b is number => b !== undefined && b > 0);
  return known.length ? Math.min(...known) : undefined;
}
