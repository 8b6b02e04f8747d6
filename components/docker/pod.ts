// A Kubernetes-style Pod made of plain Docker parts, as the kubelet makes one underneath: a cgroup
// parent, a sandbox container holding the shared namespaces, and member containers joining them.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PodLayout } from "../model/layout";
import { LABEL_CONTAINER, LABEL_POD, LABEL_ROLE, LABEL_SPEC, Role, specLabel } from "../model/labels";
import { PodArgs, PodSpec } from "../model/pod-spec";
import { MIB } from "../model/quantity";
import { checkImage, PodSpecError, podSpec, readyTimeoutSeconds } from "../model/validate";
import { agentArgs, readyCommandArgs } from "./agent";
import { CGROUP_DRIVERS, CgroupDriver, cgroupCommand, cgroupParent } from "./cgroup";
import { StackImages } from "./images";
import { dockerLayout } from "./layout";

export interface DockerPodArgs {
  /** The pod, as written in stack config; validated before anything is created. */
  pod: PodArgs;
  /** The image of the sandbox container that holds the pod's namespaces (a pause program). */
  sandboxImage: string;
  /** Docker's cgroup driver; see host.ts for detecting it. */
  cgroupDriver: CgroupDriver;
  /** The image of the pod's agent (agent/), which keeps the pod whole between `pulumi up`s. */
  agentImage: string;
  /** How long `pulumi up` waits for the pod to be ready, e.g. "90s", "10m"; default 10m. */
  readyTimeout?: string;
  /** The stack's shared images; without it the pod makes its own (a child `<pod>-images`). */
  images?: StackImages;
}

const labels = (pod: string, role: Role, container: string, extra: Record<string, string> = {}) =>
  Object.entries({ [LABEL_POD]: pod, [LABEL_ROLE]: role, [LABEL_CONTAINER]: container, ...extra }).map(
    ([label, value]) => ({ label, value }),
  );

export class DockerPod extends pulumi.ComponentResource {
  readonly spec: PodSpec;
  /** Docker's --cgroup-parent for every container of the pod. */
  readonly cgroupParent: string;
  readonly sandbox: docker.Container;
  readonly containers: Record<string, docker.Container>;
  /** The pod's agent: restarts members into the sandbox's namespaces, by the pod's restartPolicy. */
  readonly agent: docker.Container;
  /** `pulumi up`'s readiness gate: its stdout says each container's state once the pod is ready. */
  readonly ready: command.local.Command;
  readonly layout: pulumi.Output<PodLayout>;

  constructor(name: string, args: DockerPodArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate first: bad input must fail before any resource exists.
    const spec = podSpec(args.pod, `pods[${JSON.stringify(name)}]`);
    if (spec.name !== name) throw new PodSpecError("pod.name", spec.name, `does not match the component name ${JSON.stringify(name)}`);
    checkImage("sandboxImage", args.sandboxImage);
    if (!CGROUP_DRIVERS.includes(args.cgroupDriver)) throw new PodSpecError("cgroupDriver", args.cgroupDriver, "is not cgroupfs or systemd");
    checkImage("agentImage", args.agentImage);
    const readyTimeout = readyTimeoutSeconds("readyTimeout", args.readyTimeout);
    super("podlab:docker:Pod", name, {}, opts);

    this.spec = spec;
    this.cgroupParent = cgroupParent(name, args.cgroupDriver);
    const cgroup = cgroupCommand(`${name}-cgroup`, spec, args.cgroupDriver, { parent: this });

    // The stack's images when it shares them between pods, else the pod's own.
    const images = args.images ?? new StackImages(`${name}-images`, { parent: this }, `${name}-`);
    const image = (ref: string) => images.get(ref);

    // Fixed container names: an old container must go before its replacement can take the name.
    // The cgroup parent is a plain value, so that a pod-level limit change (an update of the cgroup
    // in place) shows on the cgroup alone; a new cgroup still makes new containers (replaceWith).
    const containerOpts = { parent: this, deleteBeforeReplace: true, dependsOn: [cgroup], replaceWith: [cgroup] };
    const published = spec.containers.flatMap((c) =>
      c.ports.filter((p) => p.hostPort !== undefined).map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: "0.0.0.0", protocol: "tcp" })),
    );
    this.sandbox = new docker.Container(`${name}-sandbox`, {
      name: `${name}-sandbox`,
      image: image(args.sandboxImage).imageId,
      hostname: name,
      // The IPC donor must be shareable whatever the daemon's default IPC mode is.
      ipcMode: "shareable",
      cgroupParent: this.cgroupParent,
      // Joiners of a network namespace cannot publish ports: the sandbox publishes for the pod.
      ports: published,
      // The agent restarts the sandbox, and then the members inside it: Docker's restart policy
      // would start them in no particular order (members first fail to join a sandbox not yet up).
      restart: "no",
      // Pod-level limits are left out: they live on the cgroup parent and change there in place,
      // where a changed label would replace the sandbox and with it the whole pod.
      labels: labels(name, "sandbox", "sandbox", { [LABEL_SPEC]: specLabel({ ...spec, limits: {} }) }),
    }, containerOpts);

    const joinSandbox = pulumi.interpolate`container:${this.sandbox.id}`;
    this.containers = {};
    for (const c of spec.containers) {
      const img = image(c.image);
      const containerArgs: docker.ContainerArgs = {
        name: `${name}-${c.name}`,
        image: img.imageId,
        networkMode: joinSandbox,
        ipcMode: joinSandbox,
        cgroupParent: this.cgroupParent,
        memory: c.memoryBytes / MIB,
        envs: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
        // Restarts are the agent's, by the pod's restartPolicy (see agent.ts).
        restart: "no",
        // A member that exited for good is no drift under OnFailure and Never.
        mustRun: spec.restartPolicy === "Always",
        labels: labels(name, "member", c.name),
      };
      // Kubernetes' command replaces the image's ENTRYPOINT and its args the CMD.
      if (c.command.length) containerArgs.entrypoints = c.command;
      if (c.args.length) containerArgs.command = c.args;
      if (c.cpuMillis !== undefined) {
        containerArgs.cpuPeriod = 100000;
        containerArgs.cpuQuota = c.cpuMillis * 100;
      }
      this.containers[c.name] = new docker.Container(`${name}-${c.name}`, containerArgs, containerOpts);
    }

    const members = Object.values(this.containers);
    this.agent = new docker.Container(`${name}-agent`, agentArgs(spec, image(args.agentImage).imageId), {
      ...containerOpts,
      dependsOn: [cgroup, this.sandbox, ...members],
      // Replacing any of the pod's containers replaces the agent too, and since every replacement
      // here deletes first, the agent is gone before Pulumi touches a container it watches: it
      // never races Pulumi over one (it would make a container Pulumi just removed again).
      replaceWith: [cgroup, this.sandbox, ...members],
    });
    this.ready = new command.local.Command(`${name}-ready`, readyCommandArgs(spec, this.agent.name, this.agent.id, readyTimeout), {
      parent: this,
      dependsOn: [this.agent],
    });

    const observed = spec.containers.map((c) => {
      const ct = this.containers[c.name];
      return pulumi.output({
        name: c.name, image: images.get(c.image).name, entrypoints: ct.entrypoints, command: ct.command,
        memory: ct.memory.apply((m) => m ?? 0), cpuQuota: ct.cpuQuota, networkMode: ct.networkMode.apply((m) => m ?? ""),
        ipcMode: ct.ipcMode, pidMode: ct.pidMode, cgroupParent: ct.cgroupParent.apply((p) => p ?? ""),
      });
    });
    this.layout = pulumi.all([this.sandbox.id, this.cgroupParent, pulumi.all(observed)])
      .apply(([sandboxId, parent, obs]) => dockerLayout(spec, sandboxId, parent, obs));

    this.registerOutputs({
      cgroupParent: this.cgroupParent, sandbox: this.sandbox, containers: this.containers, agent: this.agent, ready: this.ready, layout: this.layout,
    });
  }
}
