// The one Pod model. Users write Kubernetes Pod manifests (manifest.ts); from-manifest.ts turns each
// into a PodSpec, and the Docker and Kubernetes components both render from it, so any layout
// difference between the two stacks can only come from the platform (see layout.ts).
import type { EnvVar } from "./env";

/**
 * The Pod's spec.restartPolicy: which exited containers are started again, pod-wide
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy).
 */
export type RestartPolicy = "Always" | "OnFailure" | "Never";
export const RESTART_POLICIES: readonly RestartPolicy[] = ["Always", "OnFailure", "Never"];

/** Resource amounts, parsed: bytes and millicores. */
/** A seccomp or AppArmor profile's type, as the Pod API names them. */
export type ProfileType = "RuntimeDefault" | "Unconfined" | "Localhost";

export interface Resources {
  memoryBytes?: number;
  cpuMillis?: number;
}

export interface PortSpec {
  containerPort: number;
  /** Published on the host (Docker: on the sandbox; Kubernetes: hostPort). */
  hostPort?: number;
  /** SCTP only on Kubernetes: Docker publishes TCP and UDP. */
  protocol: "TCP" | "UDP" | "SCTP";
}

/** A volume mount of a container: the pod volume's name, where it is mounted, and whether read-only. */
export interface MountSpec {
  volume: string;
  mountPath: string;
  readOnly: boolean;
  /** A path inside the volume to mount instead of its root (subPath, or subPathExpr expanded from env). */
  subPath?: string;
}

/**
 * A readiness or liveness probe, with Kubernetes' defaults filled in (seconds; thresholds are counts
 * of consecutive results). Exactly one of exec, httpGet (to the pod's IP), tcpSocket and grpc is set; a
 * named port is resolved to its number.
 */
export interface ProbeSpec {
  exec?: { command: string[] };
  /** headers: httpHeaders, in order (the agent sends them as the kubelet does; "Host" sets the host). */
  httpGet?: { path: string; port: number; headers?: { name: string; value: string }[] };
  tcpSocket?: { port: number };
  /** A gRPC health check (grpc.health.v1) of service ("" the server's own) at the pod's IP. */
  grpc?: { port: number; service: string };
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/**
 * A lifecycle hook's action (the Pod API's LifecycleHandler): exec (in the container), httpGet (to
 * the pod's IP) or sleep (seconds). A named port is resolved to its number.
 */
export interface HookSpec {
  exec?: { command: string[] };
  httpGet?: { path: string; port: number; headers?: { name: string; value: string }[] };
  tcpSocket?: { port: number };
  sleep?: { seconds: number };
}

/** A validated container: quantities parsed, defaults filled in, images already overridden. */
export interface ContainerSpec {
  name: string;
  image: string;
  /** Replaces the image's ENTRYPOINT when not empty. */
  command: string[];
  /** Replaces the image's CMD when not empty. */
  args: string[];
  /**
   * The final environment, as the kubelet makes it (env.ts): envFrom's variables, then env's, $(VAR)
   * in literal values already expanded; command and args are expanded against it at rendering. A
   * variable marked `secret` holds a Secret's value (env.ts EnvVar).
   */
  env: EnvVar[];
  workingDir?: string;
  ports: PortSpec[];
  /** resources.limits: a memory limit in bytes, a CPU limit in millicores. */
  limits: Resources;
  /** resources.requests: CPU shares and memory reservation on Docker. */
  requests: Resources;
  /** securityContext, with the pod's runAsUser/runAsGroup, seccompProfile and appArmorProfile filled in. */
  securityContext: {
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem: boolean;
    capabilities: { add: string[]; drop: string[] };
    /**
     * allowPrivilegeEscalation: false: the process gets the no_new_privs bit (the kubelet's
     * AddNoNewPrivileges, pkg/securitycontext/util.go: true only when the field is set to false).
     */
    noNewPrivileges: boolean;
    /**
     * seccompProfile.type, the container's else the pod's (the kubelet's getSeccompProfile,
     * pkg/kubelet/kuberuntime/helpers.go). Unset: the runtime's default on Docker; Unconfined on a
     * kubelet without seccompDefault (its default).
     */
    seccompProfile?: ProfileType;
    /**
     * With Localhost: the profile's path, relative to the node's profile folder (the kubelet's
     * `<root-dir>/seccomp`; on a Docker host, /var/lib/podlab/seccomp).
     */
    seccompLocalhostProfile?: string;
    /** appArmorProfile.type, the container's else the pod's; unset: the runtime's default on both. */
    appArmorProfile?: ProfileType;
    /** With Localhost: the name of an AppArmor profile loaded on the node. */
    appArmorLocalhostProfile?: string;
  };
  mounts: MountSpec[];
  /** stdin: the container's stdin is kept open (Docker `--interactive`); tty: it gets a terminal (`--tty`). */
  stdin: boolean;
  tty: boolean;
  /**
   * An init container's restartPolicy Always: a sidecar (Kubernetes 1.29+, KEP-753): started in
   * order among the init containers and not awaited (the next one starts once it runs, and its
   * startupProbe passed), restarted whenever it exits, ready by its readinessProbe as an app
   * container, and stopped after the app containers.
   */
  sidecar?: true;
  /** Readiness: the container is Ready only while it passes (app containers and sidecars). */
  readinessProbe?: ProbeSpec;
  /** Startup: readiness and liveness wait until it passes; failing it failureThreshold times kills the container. */
  startupProbe?: ProbeSpec;
  /** Liveness: failing it failureThreshold times in a row kills the container (restartPolicy decides). */
  livenessProbe?: ProbeSpec;
  /**
   * Lifecycle hooks: postStart runs right after each start (the container has not started until it
   * completed; a failure kills it); preStop before each stop, within the pod's grace period.
   */
  lifecycle?: { postStart?: HookSpec; preStop?: HookSpec };
}

/**
 * A file of a configMap or secret volume, as the kubelet projects it: its path in the volume (a key,
 * or an item's path), its bytes in base64, and its mode bits (defaultMode or the item's; 0644 unset).
 */
export interface VolumeFile {
  path: string;
  base64: string;
  mode: number;
}

/** A pod volume, by source: an emptyDir, a host path, or a ConfigMap's or Secret's keys as files. */
export type VolumeSpec =
  /** medium Memory: a tmpfs, of sizeLimitBytes when set (the kubelet's SizeMemoryBackedVolumes). */
  | { name: string; emptyDir: { medium: "" | "Memory"; sizeLimitBytes?: number } }
  /** type: "", DirectoryOrCreate or Directory on the docker platform; any of Kubernetes' on Kubernetes. */
  | { name: string; hostPath: { path: string; type: string } }
  | { name: string; configMap: { name: string; files: VolumeFile[] } }
  /** Its files hold secret values: they reach the host only inside Pulumi secrets, and live on a tmpfs. */
  | { name: string; secret: { name: string; files: VolumeFile[] } }
  /**
   * A downwardAPI or projected volume: its files from pod fields, resources, ConfigMaps and Secrets, on
   * a tmpfs as the kubelet keeps them; `secret` when a Secret is among its sources.
   */
  | { name: string; projected: { files: VolumeFile[]; secret: boolean } }
  /**
   * A PersistentVolumeClaim of the stack's manifests (claims.ts): storage of the stack that outlives
   * the pod; readOnly mounts it read-only in every container.
   */
  | { name: string; persistentVolumeClaim: { claimName: string; readOnly: boolean } }
  /** A source only the Kubernetes platform renders (secret, projected, …), by its field's name. */
  | { name: string; other: string };

/** A validated pod. Build one with `podSpecFromManifest()` (from-manifest.ts). */
export interface PodSpec {
  name: string;
  /** Run one at a time, in order, each to completion, before any container starts (no ports). */
  initContainers: ContainerSpec[];
  containers: ContainerSpec[];
  restartPolicy: RestartPolicy;
  /** Pod-level resources.limits, applied to the pod's cgroup (Kubernetes: pod-level resources). */
  limits: Resources;
  /**
   * Pod-level resources.requests (PodLevelResources, beta and on in 1.34): the CPU request is the
   * pod cgroup's CPU weight, as the kubelet's ResourceConfigForPod sets it; a memory request sets
   * nothing there (the kubelet's memory.min needs MemoryQoS, alpha and off).
   */
  requests: Resources;
  /** The pod's hostname; the pod name when unset, as in Kubernetes. */
  hostname: string;
  /** Members join the sandbox's PID namespace: pause is their PID 1. */
  shareProcessNamespace: boolean;
  /**
   * Group IDs every container's processes get besides their own (securityContext.supplementalGroups,
   * then fsGroup, as the kubelet hands them to the runtime). fsGroup also owns the pod's volumes.
   */
  supplementalGroups: number[];
  fsGroup?: number;
  /**
   * Seconds a container gets to stop, its preStop hook included, before SIGKILL; unset in the
   * manifest: DEFAULT_GRACE_SECONDS, the API server's default.
   */
  terminationGracePeriodSeconds: number;
  volumes: VolumeSpec[];
}

/**
 * The part of a pod's spec whose change makes a new pod, on both platforms (the model's PodSpec, or a
 * manifest's spec as the Kubernetes stack applies it): all of it but the app
 * containers' images, which Kubernetes changes in place (the API server's ValidatePodUpdate lets a
 * running Pod change its containers' images, activeDeadlineSeconds and tolerations, and podlab renders
 * only the images; the kubelet then restarts each container whose spec hash changed:
 * pkg/kubelet/kuberuntime computePodActions). An init container's image still makes a new pod: a
 * completed init container is not run again on Kubernetes, and podlab runs none but at a pod's start.
 */
export function newPodSpec<S extends { containers: { image?: string }[] }>(spec: S): S {
  return { ...spec, containers: spec.containers.map((c) => ({ ...c, image: "" })) };
}

/** The API server's default terminationGracePeriodSeconds (pkg/apis/core/v1/defaults.go SetDefaults_PodSpec). */
export const DEFAULT_GRACE_SECONDS = 30;

/**
 * The containers that run beside each other in the pod's network, with their manifest paths: the
 * sidecars (init containers with restartPolicy Always), then the app containers. Their ports share
 * one network namespace, and their host ports are published.
 */
export function networkContainers(spec: Pick<PodSpec, "initContainers" | "containers">): { c: ContainerSpec; path: string }[] {
  return [
    ...spec.initContainers.flatMap((c, i) => (c.sidecar ? [{ c, path: `spec.initContainers[${i}]` }] : [])),
    ...spec.containers.map((c, i) => ({ c, path: `spec.containers[${i}]` })),
  ];
}
