// A Kubernetes-style Pod made of plain Docker parts, as the kubelet makes one underneath: a cgroup
// parent, a sandbox container holding the shared namespaces, and member containers joining them.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IPod } from "kubernetes-models/v1/Pod";
import { NodeFacts } from "../model/env";
import { expandArgs } from "../model/expansion";
import { podSpecFromManifest } from "../model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES, ImageOverride } from "../model/image-overrides";
import { PodLayout } from "../model/layout";
import { LABEL_CONTAINER, LABEL_IMAGE, LABEL_POD, LABEL_ROLE, LABEL_SPEC, LABEL_STACK, Role, specLabel } from "../model/labels";
import type { Manifests } from "../model/manifest";
import { ContainerSpec, networkContainers, newPodSpec, PodSpec } from "../model/pod-spec";
import { MIB, milliCpuToShares } from "../model/quantity";
import { checkImage, minReadySeconds, PodSpecError, readyTimeoutSeconds } from "../model/validate";
import { agentAndGate } from "./agent";
import { CGROUP_DRIVERS, CgroupDriver, cgroupCommand, cgroupParent } from "./cgroup";
import { hostCommand, HostCommand } from "./host-command";
import { volumeSource } from "./paths";
import { DockerTarget } from "./target";
import { volumesCommand } from "./volumes";
import { ENV_EXEC_DIR, ENV_FILE, envExecArgs, envExecVolume, envFilesDir, ImageDefaults, usesEnvExec } from "./env-exec";
import { envFilesCommand } from "./env-files";
import { podStopCommand, preStopCommand } from "./stop";
import { AgentOnceArgs } from "./agent-once";
import { StackImages } from "./images";
import { initCommand } from "./init";
import { dockerLayout, layoutOrder } from "./layout";

export interface DockerPodArgs {
  /** The pod as a Kubernetes Pod manifest; validated before anything is created. */
  manifest: IPod;
  /** Where the manifest came from, for messages (e.g. "pods/foo.yaml: Pod foo"). */
  source?: string;
  /** Image overrides (kustomize's images:); default: the walkthrough's images to podlab's builds. */
  imageOverrides?: readonly ImageOverride[];
  /** ConfigMaps the pod's configMap volumes name. */
  configMaps?: Map<string, IConfigMap>;
  /** Secrets the pod's secret volumes name: their files reach the host inside a Pulumi secret. */
  secrets?: Map<string, ISecret>;
  /**
   * The Localhost seccomp profiles the pod's containers name, read from the Docker host
   * (hostSecurityProfiles): localhostProfile to the profile's JSON.
   */
  seccompProfiles?: Map<string, string>;
  /** PersistentVolumeClaims of the manifests, by name: a persistentVolumeClaim volume must name one. */
  claims?: Manifests["claims"];
  /**
   * The Docker volumes of the stack's claims (DockerClaim), which the pod's containers mount by name:
   * made before the containers, removed after them.
   */
  claimVolumes?: pulumi.Resource[];
  /**
   * The Docker host as a node (hostFacts): its name for env from spec.nodeName, its CPUs and memory for
   * env from an unset limit. Unset (tests under mocks): "" and 0.
   */
  node?: NodeFacts;
  /**
   * Each image's own ENTRYPOINT and CMD, by reference (dockerStack asks the engine): a container that
   * reads a Secret in its env and sets no command starts through env-exec, which must be told them.
   */
  imageDefaults?: Map<string, ImageDefaults>;
  /**
   * The Docker host's boot ID (/proc/sys/kernel/random/boot_id): after a reboot, `up` writes the env
   * files and the tmpfs volumes (secret, projected, memory emptyDir) again.
   */
  bootId?: string;
  /**
   * The image of the sandbox container that holds the pod's namespaces (a pause program). A pod whose
   * env reads a Secret needs podlab's (it carries env-exec at /.podlab/env-exec).
   */
  sandboxImage: string;
  /** Docker's cgroup driver; see host.ts for detecting it. */
  cgroupDriver: CgroupDriver;
  /** The image of the pod's agent (agent/), which keeps the pod whole between `pulumi up`s. */
  agentImage: string;
  /**
   * Who keeps the pod at runtime: "own" (the default), an agent and a readiness gate of its own
   * (`<pod>-agent`, `<pod>-ready`); "stack", the stack's DockerAgent, which the caller makes with
   * this pod's `parts` (dockerStack does).
   */
  agent?: "own" | "stack";
  /** How long `pulumi up` waits for the pod to be ready, e.g. "90s", "10m"; default 10m. */
  readyTimeout?: string;
  /**
   * Kubernetes' minReadySeconds: how long, in seconds, the pod must have been Ready before `pulumi up`
   * calls it ready; default 0 (ready at once, as pulumi-kubernetes' Pod await and kubectl wait).
   */
  minReadySeconds?: number;
  /**
   * The stack's shared images; without it the pod makes its own (a child `<pod>-images`), whose
   * references are not pinned to image IDs (the stack's are: see dockerStack).
   */
  stackImages?: StackImages;
  /**
   * Where the pod's host commands run (cgroup, volumes, init and readiness gates): undefined for the
   * local host, or the SSH host whose engine the docker provider (opts.providers) reaches.
   */
  target?: DockerTarget;
}

const labels = (pod: string, role: Role, container: string, extra: Record<string, string> = {}) =>
  Object.entries({ [LABEL_POD]: pod, [LABEL_ROLE]: role, [LABEL_CONTAINER]: container, ...extra }).map(
    ([label, value]) => ({ label, value }),
  );

/**
 * Docker's `--security-opt` values for a container's securityContext: `no-new-privileges:true` for
 * allowPrivilegeEscalation: false (runc's noNewPrivileges, which the kubelet asks for the same way),
 * `seccomp=unconfined` and `apparmor=unconfined` for Unconfined profiles. RuntimeDefault needs no
 * option: it is the profile Docker applies by default, the runtime's own (Docker's
 * docs/security/seccomp.md, and apparmor.md's docker-default). Localhost: `seccomp=<the profile's
 * JSON>` (what the docker CLI sends for `seccomp=<file>`; `seccompProfiles` maps localhostProfile to
 * it, see security-profiles.ts) and `apparmor=<profile name>`.
 */
export function securityOptions(sc: ContainerSpec["securityContext"], seccompProfiles?: Map<string, string>): string[] {
  const opts: string[] = [];
  if (sc.noNewPrivileges) opts.push("no-new-privileges:true");
  if (sc.seccompProfile === "Unconfined") opts.push("seccomp=unconfined");
  if (sc.seccompLocalhostProfile !== undefined) {
    const json = seccompProfiles?.get(sc.seccompLocalhostProfile);
    // DockerPod checks before anything exists that every profile was read.
    if (json !== undefined) opts.push(`seccomp=${json}`);
  }
  if (sc.appArmorProfile === "Unconfined") opts.push("apparmor=unconfined");
  if (sc.appArmorLocalhostProfile !== undefined) opts.push(`apparmor=${sc.appArmorLocalhostProfile}`);
  return opts;
}

/**
 * Docker's arguments for what a member's spec says beyond namespaces and cgroup (see the support
 * table); `seccompProfiles`: the Localhost seccomp profiles read from the host (security-profiles.ts);
 * `node`: the host's facts (whether it accounts swap).
 */
export function memberSettings(spec: PodSpec, c: ContainerSpec, seccompProfiles?: Map<string, string>, node?: NodeFacts): Partial<docker.ContainerArgs> {
  const out: docker.ContainerArgs = { image: "" };
  if (c.limits.memoryBytes !== undefined) {
    out.memory = c.limits.memoryBytes / MIB;
    // No swap beyond the limit: the kubelet sets the swap limit to the memory limit (its NoSwap
    // behaviour, pkg/kubelet/kuberuntime kuberuntime_container_linux.go), where Docker's default
    // would allow as much swap again. A host that does not account swap has none to limit.
    if (node?.swapLimit) out.memorySwap = out.memory;
  }
  if (c.limits.cpuMillis !== undefined) {
    // Kubernetes' CFS arithmetic: 1000 millicores is one full 100 ms period.
    out.cpuPeriod = 100000;
    out.cpuQuota = c.limits.cpuMillis * 100;
  }
  if (c.requests.memoryBytes !== undefined) out.memoryReservation = Math.ceil(c.requests.memoryBytes / MIB);
  // The kubelet's cpu.shares for a container (pkg/kubelet/kuberuntime calculateLinuxResources): its CPU
  // request, else its limit, else none at all: MinShares, 2. Docker's default, 1024, would let a member
  // that asked for nothing outweigh a sibling that asked for 500m.
  out.cpuShares = milliCpuToShares(c.requests.cpuMillis ?? c.limits.cpuMillis ?? 0);
  if (c.workingDir !== undefined) out.workingDir = c.workingDir;
  const sc = c.securityContext;
  if (sc.runAsUser !== undefined) out.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  if (sc.readOnlyRootFilesystem) out.readOnly = true;
  if (sc.capabilities.add.length || sc.capabilities.drop.length) out.capabilities = { adds: sc.capabilities.add, drops: sc.capabilities.drop };
  const securityOpts = securityOptions(sc, seccompProfiles);
  if (securityOpts.length) out.securityOpts = securityOpts;
  // The kubelet hands the runtime supplementalGroups then fsGroup as the process's additional groups.
  const groups = [...spec.supplementalGroups, ...(spec.fsGroup !== undefined ? [spec.fsGroup] : [])];
  if (groups.length) out.groupAdds = [...new Set(groups)].map(String);
  if (c.stdin) out.stdinOpen = true;
  if (c.tty) out.tty = true;
  // The pod's grace (30 s unless set, the API server's default): a `docker stop` and Pulumi's delete
  // give the container that long after SIGTERM; the pod's stop (stop.ts) has run before the delete.
  out.stopTimeout = spec.terminationGracePeriodSeconds;
  out.destroyGraceSeconds = spec.terminationGracePeriodSeconds;
  const mounts: docker.types.input.ContainerMount[] = [];
  const binds: docker.types.input.ContainerVolume[] = [];
  for (const m of c.mounts) {
    const v = spec.volumes.find((x) => x.name === m.volume)!;
    // A subPath is a path inside the volume (volumes.sh makes it in an emptyDir, as the kubelet does).
    const source = m.subPath ? `${volumeSource(spec.name, v)}/${m.subPath}` : volumeSource(spec.name, v);
    if ("emptyDir" in v) mounts.push({ type: "bind", source, target: m.mountPath, readOnly: m.readOnly });
    else if ("configMap" in v || "secret" in v || "projected" in v) mounts.push({ type: "bind", source, target: m.mountPath, readOnly: true });
    // A PersistentVolume starts empty: Docker must not copy the image's files at the mount point into it.
    else if ("persistentVolumeClaim" in v) mounts.push({ type: "volume", source, target: m.mountPath, readOnly: m.readOnly || v.persistentVolumeClaim.readOnly, volumeOptions: { noCopy: true } });
    else if ("hostPath" in v && v.hostPath.type === "Directory") mounts.push({ type: "bind", source, target: m.mountPath, readOnly: m.readOnly });
    // Binds (-v) make a missing host directory, as hostPath's DirectoryOrCreate asks.
    else binds.push({ hostPath: source, containerPath: m.mountPath, readOnly: m.readOnly });
  }
  if (mounts.length) out.mounts = mounts;
  if (binds.length) out.volumes = binds;
  const { image: _unused, ...rest } = out;
  return rest;
}

/** The stack that owns a pod, as its sandbox's label podlab.dev/stack records it. */
export const stackIdentity = () => `${pulumi.getProject()}/${pulumi.getStack()}`;

/**
 * The spec the sandbox's label records: the pod's, less what changes without making a new pod. An app
 * container's image changes in place on both platforms (newPodSpec): Pulumi replaces that container
 * alone and keeps the sandbox, its IP and emptyDirs. On Docker also the pod-level limits and requests,
 * which live on the cgroup parent (cgroup.sh update); ConfigMap contents, which specLabel leaves out,
 * live in the pod's volume directory (volumes.sh update).
 */
export function sandboxSpec(spec: PodSpec): PodSpec {
  return { ...newPodSpec(spec), limits: {}, requests: {} };
}

export class DockerPod extends pulumi.ComponentResource {
  readonly spec: PodSpec;
  /** Docker's --cgroup-parent for every container of the pod. */
  readonly cgroupParent: string;
  readonly sandbox: docker.Container;
  readonly containers: Record<string, docker.Container>;
  /** The init containers: created by Pulumi, run by the gate `init` (and again by the agent). */
  readonly initContainers: Record<string, docker.Container>;
  /** The gate that runs the init containers before any member exists; undefined without them. */
  readonly init?: HostCommand;
  /**
   * The pod's own agent (restarts members into the sandbox's namespaces, by the pod's restartPolicy)
   * and readiness gate (its stdout says each container's state once the pod is ready); undefined when
   * the stack's agent keeps the pod (args.agent "stack").
   */
  readonly agent?: docker.Container;
  readonly ready?: HostCommand;
  /** The pod's stop (stop.ts): its delete stops the pod's containers as the kubelet ends a pod. */
  readonly stop: HostCommand;
  /** What an agent of the pod is made after and replaced with: cgroup, sandbox, init containers, members, stops. */
  readonly parts: pulumi.Resource[];
  readonly layout: pulumi.Output<PodLayout>;

  constructor(name: string, args: DockerPodArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: bad input must fail before any resource exists.
    const source = args.source ?? `Pod ${name}`;
    const { spec } = podSpecFromManifest(args.manifest, source, {
      images: args.imageOverrides ?? DEFAULT_IMAGE_OVERRIDES, configMaps: args.configMaps ?? new Map(), secrets: args.secrets, claims: args.claims, platform: "docker", node: args.node,
    });
    if (spec.name !== name) throw new PodSpecError("pod.name", spec.name, `does not match the component name ${JSON.stringify(name)}`);
    checkImage("sandboxImage", args.sandboxImage);
    if (!CGROUP_DRIVERS.includes(args.cgroupDriver)) throw new PodSpecError("cgroupDriver", args.cgroupDriver, "is not cgroupfs or systemd");
    checkImage("agentImage", args.agentImage);
    // The starts through env-exec, by container name: made (and refused) before anything exists.
    const viaEnvExec = new Map([
      ...spec.initContainers.map((c, i) => ({ c, at: `${source}: spec.initContainers[${i}]` })),
      ...spec.containers.map((c, i) => ({ c, at: `${source}: spec.containers[${i}]` })),
    ].filter(({ c }) => usesEnvExec(c)).map(({ c, at }) => [c.name, envExecArgs(at, c, args.imageDefaults?.get(c.image))]));
    for (const c of [...spec.initContainers, ...spec.containers]) {
      const file = c.securityContext.seccompLocalhostProfile;
      if (file !== undefined && !args.seccompProfiles?.has(file)) throw new PodSpecError(`${source}: container ${c.name}: securityContext.seccompProfile.localhostProfile`, file, "was not read from the Docker host: pass seccompProfiles (hostSecurityProfiles)");
    }
    const readyTimeout = readyTimeoutSeconds("readyTimeout", args.readyTimeout);
    const minReady = minReadySeconds("minReadySeconds", args.minReadySeconds, readyTimeout);
    super("podlab:docker:Pod", name, {}, opts);

    this.spec = spec;
    this.cgroupParent = cgroupParent(name, args.cgroupDriver);
    // Delete first: a new cgroup of the same name (the host machine made again) must not be removed
    // by the old one's delete.
    const cgroup = cgroupCommand(`${name}-cgroup`, spec, args.cgroupDriver, args.target, { parent: this, deleteBeforeReplace: true });
    // A new pod (a changed spec replaces the sandbox) gets new emptyDirs, as a new Pod does.
    const volumes = volumesCommand(spec, specLabel(sandboxSpec(spec)), args.target, { parent: this, deleteBeforeReplace: true }, args.node?.memoryBytes, args.bootId);

    // The stack's images when it shares them between pods, else the pod's own.
    const images = args.stackImages ?? new StackImages(`${name}-images`, { parent: this }, `${name}-`);
    const image = (ref: string) => images.get(ref);

    // Fixed container names: an old container must go before its replacement can take the name.
    // The cgroup parent is a plain value, so that a pod-level limit change (an update of the cgroup
    // in place) shows on the cgroup alone; a new cgroup still makes new containers (replaceWith).
    // Variables read from a Secret or known only at the start: a tmpfs file per container, and env-exec
    // to read it (env-exec.ts). A change to them replaces the command, and with it the pod, as a new Pod
    // reads the new values.
    const envFiles = envFilesCommand(spec, args.target, { parent: this, deleteBeforeReplace: true }, args.bootId);
    // Docker fills a volume from the image once, when it is new: a new sandbox image makes a new one.
    const envExec = envFiles ? new docker.Volume(envExecVolume(name), {
      name: envExecVolume(name), labels: [{ label: LABEL_POD, value: name }, { label: "podlab.dev/sandbox-image", value: image(args.sandboxImage).imageId }],
    }, { parent: this, deleteBeforeReplace: true }) : undefined;
    const containerOpts = {
      parent: this, deleteBeforeReplace: true, dependsOn: [cgroup, ...(volumes ? [volumes] : []), ...(envFiles ? [envFiles, envExec!] : []), ...(args.claimVolumes ?? [])],
      replaceWith: [cgroup, ...(envFiles ? [envFiles, envExec!] : [])],
    };
    // Sidecars are in the pod's network too: their host ports are published as the app containers'.
    const published = networkContainers(spec).flatMap(({ c }) =>
      c.ports.filter((p) => p.hostPort !== undefined).map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: "0.0.0.0", protocol: p.protocol.toLowerCase() })),
    );
    this.sandbox = new docker.Container(`${name}-sandbox`, {
      name: `${name}-sandbox`,
      image: image(args.sandboxImage).imageId,
      hostname: spec.hostname,
      // The IPC donor must be shareable whatever the daemon's default IPC mode is.
      ipcMode: "shareable",
      cgroupParent: this.cgroupParent,
      // Joiners of a network namespace cannot publish ports: the sandbox publishes for the pod.
      ports: published,
      // The agent restarts the sandbox, and then the members inside it: Docker's restart policy
      // would start them in no particular order (members first fail to join a sandbox not yet up).
      restart: "no",
      // Docker fills a new volume from the image's files at its mount point: env-exec, for the members.
      ...(envExec ? { mounts: [{ type: "volume", source: envExec.name, target: ENV_EXEC_DIR }] } : {}),
      // What changes in place is left out of this label (see sandboxSpec): a changed label would
      // replace the sandbox and with it the whole pod.
      labels: labels(name, "sandbox", "sandbox", { [LABEL_SPEC]: specLabel(sandboxSpec(spec)), [LABEL_STACK]: stackIdentity() }),
    }, containerOpts);

    const joinSandbox = pulumi.interpolate`container:${this.sandbox.id}`;
    // A container of the pod (init or member): in the sandbox's namespaces, under the pod's cgroup.
    const podContainer = (c: ContainerSpec, role: Role): docker.ContainerArgs => {
      const settings = memberSettings(spec, c, args.seccompProfiles, args.node);
      const containerArgs: docker.ContainerArgs = {
        name: `${name}-${c.name}`,
        image: image(c.image).imageId,
        networkMode: joinSandbox,
        ipcMode: joinSandbox,
        cgroupParent: this.cgroupParent,
        // shareProcessNamespace: pause becomes the members' PID 1.
        ...(spec.shareProcessNamespace ? { pidMode: joinSandbox } : {}),
        // Docker has no $(VAR) expansion: the model's env is already the kubelet's final one (env.ts).
        // A Secret's values stay out, and what is known only at the start: env-exec makes them (see below).
        envs: c.env.filter((e) => !e.secret && !e.runtime).map((e) => `${e.name}=${e.value}`),
        ...settings,
        // Restarts are the agent's, by the pod's restartPolicy (see agent.ts).
        restart: "no",
        labels: labels(name, role, c.name, role === "member" ? { [LABEL_IMAGE]: c.image } : {}),
      };
      // Kubernetes' command replaces the image's ENTRYPOINT and its args the CMD.
      const start = viaEnvExec.get(c.name);
      if (start) {
        // env-exec first: it makes the variables, then expands command and args as the kubelet does.
        const { entrypoints, command } = start;
        containerArgs.entrypoints = entrypoints;
        if (command.length) containerArgs.command = command;
        containerArgs.mounts = [...(settings.mounts as docker.types.input.ContainerMount[] ?? []),
          { type: "volume", source: envExecVolume(name), target: ENV_EXEC_DIR, readOnly: true },
          { type: "bind", source: `${envFilesDir(name)}/${c.name}`, target: ENV_FILE, readOnly: true }];
        return containerArgs;
      }
      if (c.command.length) containerArgs.entrypoints = expandArgs(c.command, c.env);
      if (c.args.length) containerArgs.command = expandArgs(c.args, c.env);
      return containerArgs;
    };
    // Init containers are created, not started: the gate `<pod>-init` (the agent, run once) runs them
    // in order, and every member waits for it.
    this.initContainers = {};
    for (const c of spec.initContainers) {
      this.initContainers[c.name] = new docker.Container(`${name}-${c.name}`, { ...podContainer(c, "init"), start: false, mustRun: false }, containerOpts);
    }
    const inits = Object.values(this.initContainers);
    // The agent's one-shot runs (agent-once.ts): the init phase now, the pod's end on destroy.
    const once: AgentOnceArgs = { spec, cgroupDriver: args.cgroupDriver, agentImage: image(args.agentImage).imageId, target: args.target };
    this.init = initCommand(once, readyTimeout, this.sandbox, inits, { parent: this });
    this.containers = {};
    for (const c of spec.containers) {
      this.containers[c.name] = new docker.Container(`${name}-${c.name}`, {
        ...podContainer(c, "member"),
        // A member that exited for good is no drift under OnFailure and Never.
        mustRun: spec.restartPolicy === "Always",
      }, { ...containerOpts, dependsOn: [...containerOpts.dependsOn, ...(this.init ? [this.init] : [])] });
    }

    const members = Object.values(this.containers);
    // The containers stop by the agent's rules, before Pulumi removes them (stop.ts): the pod as a
    // whole, and each container with a preStop hook when it is replaced alone.
    const preStops = [...spec.initContainers.filter((c) => c.sidecar).map((c) => ({ c, ct: this.initContainers[c.name] })),
      ...spec.containers.map((c) => ({ c, ct: this.containers[c.name] }))]
      .flatMap(({ c, ct }) => preStopCommand(once, c, ct, { parent: this }) ?? []);
    this.stop = podStopCommand(once, [this.sandbox, ...containerOpts.replaceWith], [...inits, ...members], preStops, { parent: this });
    // The agent is made after the pod's parts and replaced with them; the stop stops it first (agent/stop.go).
    this.parts = [cgroup, this.sandbox, ...inits, ...members, ...preStops, this.stop];
    if (args.agent !== "stack") {
      ({ container: this.agent, ready: this.ready } = agentAndGate(`${name}-agent`, `${name}-ready`, {
        pods: [{ spec, parts: this.parts }], image: image(args.agentImage).imageId, cgroupDriver: args.cgroupDriver,
        containerName: `${name}-agent`, readyTimeoutSeconds: readyTimeout, minReadySeconds: minReady, target: args.target,
      }, this));
    }

    const observed = layoutOrder(spec).map(({ c, init }) => {
      const ct = init ? this.initContainers[c.name] : this.containers[c.name];
      return pulumi.output({
        name: c.name, image: images.get(c.image).name, entrypoints: ct.entrypoints, command: ct.command,
        memory: ct.memory.apply((m) => m ?? 0), cpuQuota: ct.cpuQuota, networkMode: ct.networkMode.apply((m) => m ?? ""),
        ipcMode: ct.ipcMode, pidMode: ct.pidMode, cgroupParent: ct.cgroupParent.apply((p) => p ?? ""),
        mounts: ct.mounts.apply((m) => m ?? []), volumes: ct.volumes.apply((v) => v ?? []),
      });
    });
    this.layout = pulumi.all([this.sandbox.id, this.cgroupParent, pulumi.all(observed)])
      .apply(([sandboxId, parent, obs]) => dockerLayout(spec, sandboxId, parent, obs));

    this.registerOutputs({
      cgroupParent: this.cgroupParent, sandbox: this.sandbox, initContainers: this.initContainers, init: this.init, containers: this.containers,
      agent: this.agent, ready: this.ready, stop: this.stop, parts: this.parts, layout: this.layout,
    });
  }
}
