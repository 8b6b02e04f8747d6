// A Kubernetes Pod manifest (already accepted by the API server's own validation, see manifest.ts)
// into the Pod model. On the docker platform everything a Docker host cannot realize is refused here,
// before any resource exists: fields outside the support table (support.ts), values the Docker engine
// refuses at container create (docker-rules.ts), and what podlab's rendering cannot take. On the
// kubernetes platform nothing the API server accepts is refused: the model is read as far as it goes.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { containerEnv, EnvVar, NodeFacts } from "./env";
import { checkPodVolumeBytes, VolumeContext, volumeSpec } from "./volumes";
import { expand } from "./expansion";
import { ImageOverride, overrideImage } from "./image-overrides";
import { ContainerSpec, DEFAULT_GRACE_SECONDS, HookSpec, MountSpec, networkContainers, PodSpec, PortSpec, ProbeSpec, ProfileType, Resources, RESTART_POLICIES, RestartPolicy, VolumeSpec } from "./pod-spec";
import { checkSupported } from "./support";
import { parseMemory } from "./quantity";
import { checkCpu, checkImage, checkMemory, checkObjectName, checkPodName, DNS_LABEL, PodSpecError } from "./validate";
import { checkCapabilities, checkCpuQuota, checkMountTargets, checkWorkingDir, hasCapPrefix } from "./docker-rules";
import { parseCpu } from "./quantity";

// The container names whose Docker container `<pod>-<name>` would be a part podlab adds to the pod on
// the docker platform. Its other parts are command resources and volumes, whose names no container
// shares: a container may be called pause, cgroup or ready, as in Kubernetes' own examples.
const RESERVED_CONTAINER_NAMES = new Map([
  ["sandbox", "is the name of the container podlab adds to hold the pod's namespaces (<pod>-sandbox): rename the container"],
  ["agent", "is the name of the agent's container of a pod made alone (<pod>-agent): rename the container"],
]);
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

type Quantity = string | number | undefined;
type K8sContainer = NonNullable<IPod["spec"]>["containers"][number];

export interface FromManifestOptions {
  /** Image overrides (kustomize's `images:`), applied before anything reads an image. */
  images: readonly ImageOverride[];
  /** ConfigMaps of the same manifests, by name, for configMap volumes and env. */
  configMaps: Map<string, IConfigMap>;
  /** Secrets of the same manifests, by name, for secret volumes (none when unset). */
  secrets?: Map<string, ISecret>;
  /** PersistentVolumeClaims of the same manifests, by name, for persistentVolumeClaim volumes (none when unset). */
  claims?: VolumeContext["claims"];
  /**
   * The platform the pod is for: on "docker" every field outside the support table is refused; on
   * "kubernetes" the manifest is the cluster's to judge, and only the model's own fields are read.
   */
  platform: "docker" | "kubernetes";
  /** The Docker host's name and size, for env from spec.nodeName and unset limits (see env.ts). */
  node?: NodeFacts;
}

/** The model of one Pod manifest, with the Kubernetes-only fields it leaves to the Kubernetes stack. */
export interface FromManifest {
  spec: PodSpec;
  /** Fields only the Kubernetes stack uses (e.g. spec.nodeSelector), as kubectl paths. */
  kubernetesOnly: string[];
  /** What the reading left out as the container runtime does, each naming its field and value, for `up`'s output. */
  warnings: string[];
}

const text = (q: Quantity) => (typeof q === "number" ? String(q) : q);

function resources(at: string, r: { memory?: Quantity; cpu?: Quantity } | undefined, what: string, strict: boolean): Resources {
  const out: Resources = {};
  if (r?.memory !== undefined) {
    const bytes = strict ? checkMemory(`${at}.${what}.memory`, text(r.memory)) : parseMemory(String(text(r.memory)));
    if (bytes !== undefined) out.memoryBytes = bytes;
  }
  // On Kubernetes the API server has judged the quantity; the model keeps what it can read.
  const cpu = strict ? checkCpu(`${at}.${what}.cpu`, text(r?.cpu)) : r?.cpu === undefined ? undefined : parseCpu(String(text(r.cpu)));
  if (cpu !== undefined) out.cpuMillis = cpu;
  if (strict && what === "resources.limits" && cpu !== undefined) checkCpuQuota(`${at}.${what}.cpu`, text(r?.cpu), cpu);
  return out;
}

function ports(at: string, c: K8sContainer, strict: boolean): PortSpec[] {
  return (c.ports ?? []).map((p, j) => {
    const port: PortSpec = { containerPort: p.containerPort, protocol: (p.protocol ?? "TCP") as PortSpec["protocol"] };
    if (strict && port.protocol !== "TCP" && port.protocol !== "UDP") throw new PodSpecError(`${at}.ports[${j}].protocol`, p.protocol, "is not TCP or UDP (Docker publishes no SCTP)");
    if (p.hostPort !== undefined && p.hostPort !== 0) port.hostPort = p.hostPort;
    return port;
  });
}

type K8sProbe = NonNullable<K8sContainer["readinessProbe"]>;

/**
 * A probe with Kubernetes' defaults (pkg/apis/core/v1/defaults.go: period 10 s, timeout 1 s,
 * thresholds 1 and 3) and the API server's rules: one handler, numbers at least 1 (delay at least 0),
 * successThreshold 1 for liveness. A named port is looked up in the container's ports. On the
 * kubernetes platform a probe the model cannot hold (gRPC, a port name the kubelet resolves at run
 * time) is left out of the model (undefined): the API server has judged it, the kubelet runs it.
 */
function probe(at: string, p: K8sProbe, ports: { name?: string; containerPort: number }[], liveness: boolean, strict: boolean): ProbeSpec | undefined {
  if (strict) return readProbe(at, p, ports, liveness, true);
  try {
    return readProbe(at, p, ports, liveness, false);
  } catch {
    return undefined;
  }
}

type Ports = { name?: string; containerPort: number }[];
type K8sHandler = Pick<K8sProbe, "exec" | "httpGet" | "tcpSocket">;

/** A port of a handler: a number, or the name of one of the container's ports (pkg/probe/util.go ResolveContainerPort). */
function handlerPort(at: string, value: number | string, ports: Ports): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new PodSpecError(at, value, "is not a port number (1 to 65535)");
    return value;
  }
  const named = ports.find((x) => x.name === value);
  if (!named) throw new PodSpecError(at, value, "is not the name of one of the container's ports");
  return named.containerPort;
}

/** A probe's or a lifecycle hook's exec, httpGet or tcpSocket action (the one given). */
function readHandler(at: string, h: K8sHandler, ports: Ports, strict: boolean): Pick<ProbeSpec, "exec" | "httpGet" | "tcpSocket"> {
  const out: Pick<ProbeSpec, "exec" | "httpGet" | "tcpSocket"> = {};
  if (h.exec) {
    if (!h.exec.command?.length) throw new PodSpecError(`${at}.exec.command`, h.exec.command, "must name a command");
    out.exec = { command: h.exec.command };
  }
  if (h.httpGet) {
    if (strict && (h.httpGet.scheme ?? "HTTP") !== "HTTP") throw new PodSpecError(`${at}.httpGet.scheme`, h.httpGet.scheme, "is not supported on the docker platform (HTTP only)");
    const path = h.httpGet.path ?? "/";
    if (!path.startsWith("/") || /[\s]/.test(path)) throw new PodSpecError(`${at}.httpGet.path`, path, "is not a URL path");
    out.httpGet = { path, port: handlerPort(`${at}.httpGet.port`, h.httpGet.port, ports), ...(h.httpGet.httpHeaders?.length ? { headers: h.httpGet.httpHeaders.map((x) => ({ name: x.name, value: x.value })) } : {}) };
  }
  if (h.tcpSocket) out.tcpSocket = { port: handlerPort(`${at}.tcpSocket.port`, h.tcpSocket.port, ports) };
  return out;
}

function readProbe(at: string, p: K8sProbe, ports: Ports, liveness: boolean, strict: boolean): ProbeSpec {
  const handlers = (["exec", "httpGet", "tcpSocket", "grpc"] as const).filter((h) => p[h] !== undefined);
  if (handlers.length !== 1) throw new PodSpecError(at, p, "must have exactly one handler: exec, httpGet, tcpSocket or grpc");
  const count = (field: "initialDelaySeconds" | "periodSeconds" | "timeoutSeconds" | "successThreshold" | "failureThreshold", dflt: number, min: number) => {
    const v = p[field] ?? dflt;
    if (!Number.isInteger(v) || v < min) throw new PodSpecError(`${at}.${field}`, v, `is not a whole number of at least ${min}`);
    return v;
  };
  const out: ProbeSpec = {
    initialDelaySeconds: count("initialDelaySeconds", 0, 0),
    periodSeconds: count("periodSeconds", 10, 1),
    timeoutSeconds: count("timeoutSeconds", 1, 1),
    successThreshold: count("successThreshold", 1, 1),
    failureThreshold: count("failureThreshold", 3, 1),
    ...readHandler(at, p, ports, strict),
    // gRPC's port is a number: the API server refuses a name there.
    ...(p.grpc ? { grpc: { port: handlerPort(`${at}.grpc.port`, p.grpc.port, ports), service: p.grpc.service ?? "" } } : {}),
  };
  if (liveness && out.successThreshold !== 1) throw new PodSpecError(`${at}.successThreshold`, out.successThreshold, "must be 1 for a liveness probe");
  return out;
}

/**
 * A lifecycle hook (postStart, preStop): exec, httpGet, or sleep (PodLifecycleSleepAction). The
 * support table refuses tcpSocket on the docker platform, which no kubelet runs.
 */
function readHook(at: string, h: NonNullable<NonNullable<K8sContainer["lifecycle"]>["postStart"]>, ports: Ports, strict: boolean): HookSpec {
  if (h.sleep) return { sleep: { seconds: h.sleep.seconds } };
  return readHandler(at, h, ports, strict);
}

/**
 * A mount's subPath, or its subPathExpr with $(VAR) expanded from the container's env as the kubelet
 * does (kubecontainer.ExpandContainerVolumeMounts); either must stay inside the volume (the API server
 * checks subPath; the kubelet refuses an expansion that leaves it, or that keeps a $( it could not expand).
 */
function mountSubPath(at: string, m: NonNullable<K8sContainer["volumeMounts"]>[number], env: EnvVar[], strict: boolean): string | undefined {
  if (m.subPathExpr === undefined) return m.subPath || undefined;
  const values = new Map(env.map((e) => [e.name, e]));
  const path = expand(m.subPathExpr, (n) => {
    // A bind mount's source is in the container's configuration, which `docker inspect` shows.
    if (strict && values.get(n)?.secret) throw new PodSpecError(`${at}.subPathExpr`, m.subPathExpr, `reads ${n}, a variable from a Secret: a path made of a secret is not rendered on the docker platform`);
    if (strict && values.get(n)?.runtime) throw new PodSpecError(`${at}.subPathExpr`, m.subPathExpr, `reads ${n}, a variable known only when the container starts: not rendered on the docker platform, where a mount's source is fixed when the container is made`);
    return values.get(n)?.value;
  });
  if (strict && (path.startsWith("/") || path.split("/").includes("..") || path.includes("$("))) {
    throw new PodSpecError(`${at}.subPathExpr`, m.subPathExpr, `expands to ${JSON.stringify(path)}, which is not a relative path inside the volume`);
  }
  return path || undefined;
}

/**
 * The warnings for capabilities written with the CAP_ prefix, which Kubernetes' runtime neither adds
 * nor drops: the CRI names capabilities without it and containerd prefixes CAP_ itself
 * (internal/cri/opts/spec_linux_opts.go WithCapabilities: CAP_CAP_NET_ADMIN), a name runc ignores.
 * The API server takes any string, silently. podlab's reading leaves them out on both stacks.
 */
export function prefixedCapabilities(at: string, caps: { add?: string[]; drop?: string[] } | undefined): string[] {
  return (["add", "drop"] as const).flatMap((list) => (caps?.[list] ?? []).flatMap((c, i) => hasCapPrefix(c)
    ? [`${at}.${list}[${i}]: ${JSON.stringify(c)} is not ${list === "add" ? "added" : "dropped"}: the container runtime names capabilities without the CAP_ prefix and adds it itself (containerd asks for CAP_${c.toUpperCase()}, which runc ignores); write ${JSON.stringify(c.slice(4).toUpperCase())}`]
    : []));
}

function container(at: string, c: K8sContainer, manifest: IPod, volumes: Set<string>, options: FromManifestOptions, strict: boolean): ContainerSpec {
  const [pod, images] = [manifest.spec!, options.images];
  if (strict && (!DNS_LABEL.test(c.name) || c.name.length > 63)) throw new PodSpecError(`${at}.name`, c.name, "is not a valid container name (a DNS label of at most 63 characters)");
  if (strict && RESERVED_CONTAINER_NAMES.has(c.name)) throw new PodSpecError(`${at}.name`, c.name, RESERVED_CONTAINER_NAMES.get(c.name)!);
  if (strict && c.image === undefined) throw new PodSpecError(`${at}.image`, c.image, "is required");
  const image = strict ? checkImage(`${at}.image`, overrideImage(c.image!, images)) : overrideImage(c.image ?? "", images);
  (c.env ?? []).forEach((e, j) => {
    if (strict && !ENV_NAME.test(e.name)) throw new PodSpecError(`${at}.env[${j}].name`, e.name, "is not a valid environment variable name");
  });
  const env = containerEnv(at, c, manifest, { configMaps: options.configMaps, secrets: options.secrets, strict, node: options.node });
  const sc = c.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? pod.securityContext?.runAsUser;
  const runAsGroup = sc.runAsGroup ?? pod.securityContext?.runAsGroup;
  // The container's profile, else the pod's (the kubelet's getSeccompProfile and getAppArmorProfile).
  const seccomp = sc.seccompProfile ?? pod.securityContext?.seccompProfile;
  const appArmor = sc.appArmorProfile ?? pod.securityContext?.appArmorProfile;
  const seccompProfile = seccomp?.type as ProfileType | undefined;
  const appArmorProfile = appArmor?.type as ProfileType | undefined;
  if (strict && runAsGroup !== undefined && runAsUser === undefined) {
    throw new PodSpecError(`${at}.securityContext.runAsGroup`, runAsGroup, "needs runAsUser on Docker (`--user` takes UID:GID)");
  }
  const mounts = (c.volumeMounts ?? []).map((m, j): MountSpec => {
    if (strict && !volumes.has(m.name)) throw new PodSpecError(`${at}.volumeMounts[${j}].name`, m.name, "is not the name of a volume in spec.volumes");
    const subPath = mountSubPath(`${at}.volumeMounts[${j}]`, m, env, strict);
    return { volume: m.name, mountPath: m.mountPath, readOnly: m.readOnly ?? false, ...(subPath ? { subPath } : {}) };
  });
  if (strict && c.stdinOnce) throw new PodSpecError(`${at}.stdinOnce`, true, "is not rendered on the docker platform (Docker's stdin stays open; stdin: true alone is)");
  if (strict) {
    checkMountTargets(at, mounts);
    checkCapabilities(`${at}.securityContext.capabilities`, sc.capabilities);
    if (c.workingDir !== undefined) checkWorkingDir(`${at}.workingDir`, c.workingDir);
  }
  const spec: ContainerSpec = {
    name: c.name,
    image,
    command: c.command ?? [],
    args: c.args ?? [],
    env,
    ports: ports(at, c, strict),
    limits: resources(at, c.resources?.limits, "resources.limits", strict),
    requests: resources(at, c.resources?.requests, "resources.requests", strict),
    securityContext: {
      readOnlyRootFilesystem: sc.readOnlyRootFilesystem ?? false,
      // The runtime's reading: a name with the CAP_ prefix names no capability (prefixedCapabilities).
      capabilities: { add: (sc.capabilities?.add ?? []).filter((x) => !hasCapPrefix(x)), drop: (sc.capabilities?.drop ?? []).filter((x) => !hasCapPrefix(x)) },
      ...(runAsUser !== undefined ? { runAsUser } : {}),
      ...(runAsGroup !== undefined ? { runAsGroup } : {}),
      noNewPrivileges: sc.allowPrivilegeEscalation === false,
      ...(seccompProfile !== undefined ? { seccompProfile } : {}),
      ...(seccompProfile === "Localhost" && seccomp?.localhostProfile ? { seccompLocalhostProfile: seccomp.localhostProfile } : {}),
      ...(appArmorProfile !== undefined ? { appArmorProfile } : {}),
      ...(appArmorProfile === "Localhost" && appArmor?.localhostProfile ? { appArmorLocalhostProfile: appArmor.localhostProfile } : {}),
    },
    mounts,
    stdin: c.stdin ?? false,
    tty: c.tty ?? false,
  };
  if (c.workingDir !== undefined) spec.workingDir = c.workingDir;
  // The API server takes restartPolicy on init containers only, and Always only (a sidecar).
  if (c.restartPolicy === "Always") spec.sidecar = true;
  const startup = c.startupProbe && probe(`${at}.startupProbe`, c.startupProbe, c.ports ?? [], true, strict);
  if (startup) spec.startupProbe = startup;
  const readiness = c.readinessProbe && probe(`${at}.readinessProbe`, c.readinessProbe, c.ports ?? [], false, strict);
  if (readiness) spec.readinessProbe = readiness;
  const liveness = c.livenessProbe && probe(`${at}.livenessProbe`, c.livenessProbe, c.ports ?? [], true, strict);
  if (liveness) spec.livenessProbe = liveness;
  const hooks = { postStart: c.lifecycle?.postStart && readHook(`${at}.lifecycle.postStart`, c.lifecycle.postStart, c.ports ?? [], strict),
    preStop: c.lifecycle?.preStop && readHook(`${at}.lifecycle.preStop`, c.lifecycle.preStop, c.ports ?? [], strict) };
  if (hooks.postStart || hooks.preStop) spec.lifecycle = { ...(hooks.postStart ? { postStart: hooks.postStart } : {}), ...(hooks.preStop ? { preStop: hooks.preStop } : {}) };
  // What the API server refuses: a request above its limit (said again for a model made without it).
  for (const r of strict ? (["memoryBytes", "cpuMillis"] as const) : []) {
    const [req, lim] = [spec.requests[r], spec.limits[r]];
    if (req !== undefined && lim !== undefined && req > lim) {
      const name = r === "memoryBytes" ? "memory" : "cpu";
      throw new PodSpecError(`${at}.resources.requests.${name}`, text(c.resources!.requests![name]), `is above the container's limit ${JSON.stringify(text(c.resources!.limits![name]))}`);
    }
  }
  return spec;
}

/**
 * Names must be unique among the app containers, and ports among the containers of the pod's network
 * (sidecars too): they share one network namespace; a host port is published once.
 */
function checkUnique(source: string, containers: ContainerSpec[], initContainers: ContainerSpec[]): void {
  const names = new Map<string, number>();
  containers.forEach((c, i) => {
    const first = names.get(c.name);
    if (first !== undefined) throw new PodSpecError(`${source}: spec.containers[${i}].name`, c.name, `is already the name of spec.containers[${first}]`);
    names.set(c.name, i);
  });
  const ports = new Map<string, string>();
  const hostPorts = new Set<string>();
  networkContainers({ containers, initContainers }).forEach(({ c, path }) => {
    const at = `${source}: ${path}`;
    c.ports.forEach((p, j) => {
      const key = `${p.containerPort}/${p.protocol}`;
      const owner = ports.get(key);
      if (owner !== undefined) {
        throw new PodSpecError(`${at}.ports[${j}].containerPort`, p.containerPort, `is already used by container "${owner}" (containers of a pod share one network namespace)`);
      }
      ports.set(key, c.name);
      if (p.hostPort !== undefined) {
        if (hostPorts.has(`${p.hostPort}/${p.protocol}`)) throw new PodSpecError(`${at}.ports[${j}].hostPort`, p.hostPort, "is published twice");
        hostPorts.add(`${p.hostPort}/${p.protocol}`);
      }
    });
  });
}

/**
 * A container's limit may not exceed its pod's: the Kubernetes API server refuses such a Pod
 * (pod-level resources, KEP-2837), and on Docker the kernel refuses a child cgroup's CPU quota above
 * its parent's (runc fails writing cpu.cfs_quota_us, after the old container is gone).
 */
function checkWithinPodLimits(source: string, pod: IPod, spec: PodSpec): void {
  const all = [...spec.initContainers.map((c, i) => ({ c, at: `spec.initContainers[${i}]`, given: pod.spec!.initContainers![i].resources?.limits })),
    ...spec.containers.map((c, i) => ({ c, at: `spec.containers[${i}]`, given: pod.spec!.containers[i].resources?.limits }))];
  all.forEach(({ c, at, given }) => {
    const podGiven = pod.spec!.resources?.limits;
    if (spec.limits.memoryBytes !== undefined && c.limits.memoryBytes !== undefined && c.limits.memoryBytes > spec.limits.memoryBytes) {
      throw new PodSpecError(`${source}: ${at}.resources.limits.memory`, text(given?.memory), `is above the pod's memory limit ${JSON.stringify(text(podGiven?.memory))} (spec.resources.limits.memory)`);
    }
    if (spec.limits.cpuMillis !== undefined && c.limits.cpuMillis !== undefined && c.limits.cpuMillis > spec.limits.cpuMillis) {
      throw new PodSpecError(`${source}: ${at}.resources.limits.cpu`, text(given?.cpu), `is above the pod's CPU limit ${JSON.stringify(text(podGiven?.cpu))} (spec.resources.limits.cpu)`);
    }
  });
}

/**
 * The pod-level requests as the API server defaults them when pod-level resources are given
 * (PodLevelResources; pkg/apis/core/v1/defaults.go defaultPodRequests): an unset one is the
 * containers' aggregated request (pkg/api/v1/resource AggregateContainerRequests: the app containers'
 * and sidecars' sum, or an init container's with the sidecars before it when larger; a container's
 * request defaults to its limit), when they request any, else the pod-level limit.
 */
export function podRequests(requests: Resources, limits: Resources, inits: ContainerSpec[], containers: ContainerSpec[]): Resources {
  if (!Object.keys(requests).length && !Object.keys(limits).length) return requests;
  const out: Resources = { ...requests };
  for (const r of ["cpuMillis", "memoryBytes"] as const) {
    if (out[r] !== undefined) continue;
    const of = (c: ContainerSpec) => c.requests[r] ?? c.limits[r] ?? 0;
    let sidecars = 0;
    let initMax = 0;
    for (const c of inits) {
      if (c.sidecar) sidecars += of(c);
      else initMax = Math.max(initMax, of(c) + sidecars);
    }
    const aggregated = Math.max(containers.reduce((sum, c) => sum + of(c), 0) + sidecars, initMax);
    const value = aggregated > 0 ? aggregated : limits[r];
    if (value !== undefined) out[r] = value;
  }
  return out;
}

/**
 * A subPath of a persistentVolumeClaim volume is refused on the docker platform: Docker mounts a named
 * volume whole (a volume's subpath needs Engine API 1.45, Docker 26).
 */
function checkClaimSubPaths(source: string, s: NonNullable<IPod["spec"]>, volumes: VolumeSpec[]): void {
  const claims = new Set(volumes.filter((v) => "persistentVolumeClaim" in v).map((v) => v.name));
  for (const [kind, list] of [["initContainers", s.initContainers ?? []], ["containers", s.containers]] as const) {
    list.forEach((c, i) => (c.volumeMounts ?? []).forEach((m, j) => {
      const sub = m.subPath || m.subPathExpr;
      if (claims.has(m.name) && sub) throw new PodSpecError(`${source}: spec.${kind}[${i}].volumeMounts[${j}].${m.subPath ? "subPath" : "subPathExpr"}`, sub, "is not rendered on a persistentVolumeClaim volume on the docker platform: Docker mounts a named volume whole (mount it whole, or use a claim per directory)");
    }));
  }
}

/**
 * The Pod model of a schema-valid Pod manifest. `source` prefixes every message ("pods/foo.yaml:
 * Pod foo"). Throws a PodSpecError naming the field (kubectl's path) and the value.
 */
export function podSpecFromManifest(pod: IPod, source: string, options: FromManifestOptions): FromManifest {
  // The docker platform's own rules apply to it alone; on Kubernetes the API server judges the rest.
  const strict = options.platform === "docker";
  const kubernetesOnly = strict ? checkSupported(pod, source) : [];
  const name = strict ? checkPodName(`${source}: metadata.name`, pod.metadata?.name) : checkObjectName(`${source}: metadata.name`, pod.metadata?.name);
  const s = pod.spec;
  if (!s) throw PodSpecError.plain(`${source}: spec`, "is required (a Pod's containers are in spec.containers)");
  if (!s.containers || s.containers.length === 0) throw new PodSpecError(`${source}: spec.containers`, s.containers, "must list at least one container");
  const volumes = (s.volumes ?? []).map((v, i) => volumeSpec(`${source}: spec.volumes[${i}]`, v, pod, { configMaps: options.configMaps, secrets: options.secrets ?? new Map(), claims: options.claims, strict, node: options.node }));
  const volumeNames = new Set<string>();
  const claimVolumes = new Map<string, string>();
  volumes.forEach((v, i) => {
    if (strict && volumeNames.has(v.name)) throw new PodSpecError(`${source}: spec.volumes[${i}].name`, v.name, "is the name of another volume");
    volumeNames.add(v.name);
    // The kubelet mounts a claim once per pod: a second volume of it waits for its mount forever, and
    // the pod stays ContainerCreating (kubernetes/kubernetes#51853; seen on the local cluster, 1.34).
    if (!("persistentVolumeClaim" in v)) return;
    const other = claimVolumes.get(v.persistentVolumeClaim.claimName);
    if (strict && other) throw new PodSpecError(`${source}: spec.volumes[${i}].persistentVolumeClaim.claimName`, v.persistentVolumeClaim.claimName, `is the claim of volume ${other} too: a kubelet never starts a pod with two volumes of one claim (the second mount never completes): mount volume ${other} twice instead`);
    claimVolumes.set(v.persistentVolumeClaim.claimName, v.name);
  });
  const initContainers = (s.initContainers ?? []).map((c, i) => container(`${source}: spec.initContainers[${i}]`, c, pod, volumeNames, options, strict));
  const containers = s.containers.map((c, i) => container(`${source}: spec.containers[${i}]`, c, pod, volumeNames, options, strict));
  if (strict) checkUnique(source, containers, initContainers);
  if (strict) checkClaimSubPaths(source, s, volumes);
  // Init and app containers share one namespace of names (the API server's rule).
  if (strict) initContainers.forEach((c, i) => {
    const clash = [...initContainers.slice(0, i), ...containers].find((o) => o.name === c.name);
    if (clash) throw new PodSpecError(`${source}: spec.initContainers[${i}].name`, c.name, "is already the name of another container of the pod");
  });
  const restartPolicy = (s.restartPolicy ?? "Always") as RestartPolicy;
  if (strict && !RESTART_POLICIES.includes(restartPolicy)) throw new PodSpecError(`${source}: spec.restartPolicy`, s.restartPolicy, `is not one of ${RESTART_POLICIES.join(", ")}`);
  for (const hostNs of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (strict && s[hostNs] === true) throw new PodSpecError(`${source}: spec.${hostNs}`, true, "is not supported on the docker platform (a pod there always has its own namespaces)");
  }
  if (strict && s.hostname !== undefined && !DNS_LABEL.test(s.hostname)) throw new PodSpecError(`${source}: spec.hostname`, s.hostname, "is not a valid hostname (a DNS label)");
  const spec: PodSpec = {
    name,
    initContainers,
    containers,
    restartPolicy,
    limits: resources(`${source}: spec`, s.resources?.limits, "resources.limits", strict),
    requests: podRequests(resources(`${source}: spec`, s.resources?.requests, "resources.requests", strict), resources(`${source}: spec`, s.resources?.limits, "resources.limits", false), initContainers, containers),
    hostname: s.hostname ?? name,
    shareProcessNamespace: s.shareProcessNamespace ?? false,
    terminationGracePeriodSeconds: s.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
    volumes,
    supplementalGroups: s.securityContext?.supplementalGroups ?? [],
    ...(s.securityContext?.fsGroup !== undefined ? { fsGroup: s.securityContext.fsGroup } : {}),
  };
  if (strict && s.securityContext?.supplementalGroupsPolicy === "Strict") {
    throw new PodSpecError(`${source}: spec.securityContext.supplementalGroupsPolicy`, "Strict", "is not rendered on the docker platform (Docker merges the image's groups, as Merge does)");
  }
  if (s.terminationGracePeriodSeconds !== undefined && strict && (!Number.isInteger(s.terminationGracePeriodSeconds) || s.terminationGracePeriodSeconds < 0)) {
    throw new PodSpecError(`${source}: spec.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, "is not a whole number of seconds (0 or more)");
  }
  if (strict) checkWithinPodLimits(source, pod, spec);
  if (strict) checkPodVolumeBytes(source, spec.volumes);
  const warnings = [...(s.initContainers ?? []).map((c, i) => ({ c, at: `${source}: spec.initContainers[${i}]` })), ...s.containers.map((c, i) => ({ c, at: `${source}: spec.containers[${i}]` }))]
    .flatMap(({ c, at }) => prefixedCapabilities(`${at}.securityContext.capabilities`, c.securityContext?.capabilities));
  return { spec, kubernetesOnly, warnings };
}
