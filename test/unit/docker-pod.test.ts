import { byName, registered, valueOf } from "./mocks"; // mocks first
import { beforeEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DockerPod } from "../../components/docker/pod";
import { StackImages } from "../../components/docker/images";
import { fooPod, namedPod } from "./fixtures";

const make = (manifest: any = fooPod(), driver: "cgroupfs" | "systemd" = "cgroupfs") =>
  new DockerPod(manifest.metadata.name, { manifest, sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: driver });

const hash = (ref: string) => createHash("sha256").update(ref).digest("hex").slice(0, 6);

/** Waits until every part of the pod is registered (the readiness gate comes last). */
const settled = (pod: DockerPod) => Promise.all([valueOf(pod.layout), valueOf(pod.ready!.id)]);

describe("DockerPod", () => {
  beforeEach(() => {
    registered.length = 0;
  });

  it("makes the cgroup, the sandbox and the members, named after the pod", async () => {
    const pod = make();
    await settled(pod);
    const names = registered.map((r) => `${r.type} ${r.name}`).sort();
    expect(names).toEqual([
      "command:local:Command foo-cgroup",
      "command:local:Command foo-ready",
      "command:local:Command foo-stop",
      "docker:index/container:Container foo-agent",
      "docker:index/container:Container foo-app",
      "docker:index/container:Container foo-sandbox",
      "docker:index/container:Container foo-sidecar",
      "docker:index/remoteImage:RemoteImage foo-image-podlab-agent-0.1-" + hash("podlab/agent:0.1"),
      "docker:index/remoteImage:RemoteImage foo-image-podlab-curl-0.1-" + hash("podlab/curl:0.1"),
      "docker:index/remoteImage:RemoteImage foo-image-podlab-httpbin-0.1-" + hash("podlab/httpbin:0.1"),
      "docker:index/remoteImage:RemoteImage foo-image-podlab-pause-0.1-" + hash("podlab/pause:0.1"),
      "podlab:docker:Images foo-images",
      "podlab:docker:Pod foo",
    ]);
  });

  it("gives every stop the API server's default grace when the manifest sets none: 30 s", async () => {
    await settled(make());
    for (const c of ["foo-app", "foo-sidecar"]) expect(byName(c)!.inputs).toMatchObject({ stopTimeout: 30, destroyGraceSeconds: 30 });
    expect(JSON.parse(byName("foo-agent")!.inputs.envs[0].replace(/^PODLAB_PODS=/, ""))[0].terminationGracePeriodSeconds).toBe(30);
    expect(JSON.parse(byName("foo-stop")!.inputs.environment.PODLAB_PODS)[0].terminationGracePeriodSeconds).toBe(30);
  });

  it("limits swap to the memory limit where the host accounts swap, as the kubelet does", async () => {
    const node = (swapLimit: boolean) => ({ name: "host", cpuMillis: 2000, memoryBytes: 2 ** 34, swapLimit });
    await settled(new DockerPod("swap", { manifest: namedPod("swap"), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", node: node(true) }));
    expect(byName("swap-app")!.inputs).toMatchObject({ memory: 256, memorySwap: 256 });
    expect(byName("swap-sidecar")!.inputs).toMatchObject({ memory: 128, memorySwap: 128 });
    registered.length = 0;
    await settled(new DockerPod("noswap", { manifest: namedPod("noswap"), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", node: node(false) }));
    expect(byName("noswap-app")!.inputs.memorySwap).toBeUndefined();
  });

  it("makes every part a child of the pod component", async () => {
    const pod = make();
    const urns = await Promise.all([pod.sandbox.urn, pod.containers.app.urn, pod.containers.sidecar.urn].map(valueOf));
    for (const urn of urns) expect(urn).toMatch(/::podlab:docker:Pod\$docker:index\/container:Container::foo-/);
  });

  it("joins the members to the sandbox's network and IPC namespaces under the pod's cgroup", async () => {
    const pod = make();
    await valueOf(pod.layout);
    const sandbox = byName("foo-sandbox")!;
    expect(sandbox.inputs).toMatchObject({ name: "foo-sandbox", hostname: "foo", ipcMode: "shareable", cgroupParent: "/pod-foo", image: "sha256:podlab/pause:0.1" });
    const app = byName("foo-app")!;
    expect(app.inputs).toMatchObject({
      name: "foo-app",
      networkMode: "container:foo-sandbox-id",
      ipcMode: "container:foo-sandbox-id",
      cgroupParent: "/pod-foo",
      memory: 256,
      image: "sha256:podlab/httpbin:0.1",
    });
    expect(app.inputs.entrypoints).toBeUndefined(); // the manifest has no command: the image's own
    expect(app.inputs.hostname).toBeUndefined(); // Docker refuses a hostname on a network joiner
    expect(app.inputs.ports).toBeUndefined(); // ... and published ports
    expect(byName("foo-sidecar")!.inputs).toMatchObject({ memory: 128, entrypoints: ["/bin/sleep", "3650d"] });
  });

  it("publishes host ports on the sandbox", async () => {
    const pod = fooPod();
    pod.spec!.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: "UDP" }];
    await valueOf(make(pod).layout);
    expect(byName("foo-sandbox")!.inputs.ports).toEqual([
      { internal: 80, external: 8080, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 53, external: 5353, ip: "0.0.0.0", protocol: "udp" },
    ]);
  });

  it("hands the cgroup script its values through the environment only", async () => {
    const pod = fooPod();
    pod.spec!.resources = { limits: { memory: "512Mi", cpu: "1500m" } };
    await valueOf(make(pod).layout);
    const cg = byName("foo-cgroup")!.inputs;
    // The script travels once, in the environment; each action is one line that runs it.
    const { PODLAB_SCRIPT: script, ...env } = cg.environment;
    expect(script).toBe(readFileSync(join(__dirname, "../../components/docker/cgroup.sh"), "utf8"));
    expect(env).toEqual({
      PODLAB_POD: "foo",
      PODLAB_CGROUP: "pod-foo",
      PODLAB_CGROUP_DRIVER: "cgroupfs",
      PODLAB_MEMORY_BYTES: String(512 * 2 ** 20),
      PODLAB_CPU_QUOTA_US: "150000",
      // The request the API server defaults from the limit: 1500 millicores as shares.
      PODLAB_CPU_SHARES: "1536",
      PODLAB_LIMITS_FILE: "/var/lib/podlab/pod-limits/foo",
      PODLAB_POST_STARTED_FILE: "/var/lib/podlab/post-started/foo.json",
    });
    expect(cg.create).toBe('exec bash -c "$PODLAB_SCRIPT" cgroup.sh create');
    expect(cg.update).toBe('exec bash -c "$PODLAB_SCRIPT" cgroup.sh update');
    expect(cg.delete).toBe('exec bash -c "$PODLAB_SCRIPT" cgroup.sh delete');
    // The script text is the same for every pod: nothing from config is spliced into it.
    await valueOf(make(namedPod("bar")).layout);
    expect(byName("bar-cgroup")!.inputs.create).toBe(cg.create);
    expect(cg.interpreter).toEqual(["/bin/bash", "-c"]);
  });

  it("uses a slice as the cgroup parent with the systemd driver", async () => {
    await valueOf(make(fooPod(), "systemd").layout);
    expect(byName("foo-sandbox")!.inputs.cgroupParent).toBe("pod-foo.slice");
    expect(byName("foo-cgroup")!.inputs.environment.PODLAB_CGROUP).toBe("pod-foo.slice");
  });

  it("exports a layout that shares net and IPC but reports UTS as copied", async () => {
    const layout = await valueOf(make().layout);
    expect(layout.cgroupParent).toBe("/pod-foo");
    expect(layout.containers.map((c) => [c.name, c.image, c.memoryBytes, c.namespaces])).toEqual([
      ["app", "podlab/httpbin:0.1", 256 * 2 ** 20, { net: "sandbox", ipc: "sandbox", uts: "own, hostname copied", pid: "own", mnt: "own" }],
      ["sidecar", "podlab/curl:0.1", 128 * 2 ** 20, { net: "sandbox", ipc: "sandbox", uts: "own, hostname copied", pid: "own", mnt: "own" }],
    ]);
  });

  it("gives two pods distinct names", async () => {
    await Promise.all([settled(make()), settled(make(namedPod("bar")))]);
    const containerNames = registered.filter((r) => r.type === "docker:index/container:Container").map((r) => r.inputs.name);
    expect(new Set(containerNames).size).toBe(8);
    const cgroups = registered.filter((r) => r.name.endsWith("-cgroup")).map((r) => r.inputs.environment.PODLAB_CGROUP);
    expect(cgroups.sort()).toEqual(["pod-bar", "pod-foo"]);
  });

  it("leaves restarts to the agent, which watches the pod's containers and is replaced with them", async () => {
    const pod = make();
    await settled(pod);
    for (const c of ["foo-sandbox", "foo-app", "foo-sidecar"]) expect(byName(c)!.inputs.restart).toBe("no");
    expect(byName("foo-app")!.inputs.mustRun).toBe(true);
    const agent = byName("foo-agent")!.inputs;
    expect(agent).toMatchObject({ name: "foo-agent", restart: "always", image: "sha256:podlab/agent:0.1" });
    expect(agent.envs).toEqual([
      `PODLAB_PODS=${JSON.stringify([{ pod: "foo", members: ["app", "sidecar"], restartPolicy: "Always", terminationGracePeriodSeconds: 30, cgroupParent: "/pod-foo", cgroupDriver: "cgroupfs" }])}`,
      "PODLAB_POD_LIMITS_DIR=/var/lib/podlab/pod-limits",
      "PODLAB_POST_STARTED_DIR=/var/lib/podlab/post-started",
    ]);
    // The engine; the host's cgroups, to keep the pod-level limits; the declared limits, read-only.
    expect(agent.volumes).toEqual([
      { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
      { hostPath: "/sys/fs/cgroup", containerPath: "/host/sys/fs/cgroup" },
      { hostPath: "/var/lib/podlab/pod-limits", containerPath: "/var/lib/podlab/pod-limits", readOnly: true },
      { hostPath: "/var/lib/podlab/post-started", containerPath: "/var/lib/podlab/post-started" },
    ]);
    // Not labelled as a part of the pod: nothing takes the agent for a member.
    expect(agent.labels).toEqual([{ label: "podlab.dev/agent-of", value: "foo" }, { label: "podlab.dev/role", value: "agent" }]);
  });

  it("gates `up` on the pod being ready, within the ready timeout, re-run whenever the agent is replaced", async () => {
    const manifest = namedPod("ofail");
    manifest.spec!.restartPolicy = "OnFailure";
    await settled(new DockerPod("ofail", { manifest, sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", readyTimeout: "90s" }));
    const ready = byName("ofail-ready")!.inputs;
    // No stability window by default: Ready as the kubelet says it (Kubernetes' minReadySeconds is 0).
    expect(ready.environment).toEqual({ PODLAB_AGENT: "ofail-agent", PODLAB_PODS: "ofail", PODLAB_READY_TIMEOUT: "90s", PODLAB_MIN_READY: "0s" });
    expect(ready.triggers).toEqual(["ofail-agent-id"]);
    expect(ready.create).not.toContain("ofail"); // a constant script: values come through the environment
    expect(byName("ofail-app")!.inputs.mustRun).toBe(false); // exited for good is no drift under OnFailure
    expect(JSON.parse(byName("ofail-agent")!.inputs.envs[0].replace(/^PODLAB_PODS=/, ""))[0].restartPolicy).toBe("OnFailure");
  });

  it("shares one image resource per reference between the pods of a stack", async () => {
    const stackImages = new StackImages("images");
    const opts = { sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs" as const, stackImages };
    await Promise.all([settled(new DockerPod("foo", { manifest: fooPod(), ...opts })), settled(new DockerPod("bar", { manifest: namedPod("bar"), ...opts }))]);
    const imageNames = registered.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name).sort();
    expect(imageNames).toEqual(["podlab/agent:0.1", "podlab/curl:0.1", "podlab/httpbin:0.1", "podlab/pause:0.1"]);
  });

  it("renders the manifest's features as Docker's arguments", async () => {
    const pod: any = namedPod("feat");
    Object.assign(pod.spec, {
      hostname: "web", shareProcessNamespace: true, terminationGracePeriodSeconds: 3,
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      volumes: [{ name: "scratch", emptyDir: {} }, { name: "host", hostPath: { path: "/srv/data" } }, { name: "conf", configMap: { name: "conf" } }],
    });
    Object.assign(pod.spec.containers[0], {
      env: [{ name: "B", value: "2" }, { name: "A", value: "1" }], workingDir: "/srv",
      resources: { limits: { memory: "256Mi", cpu: "500m" }, requests: { memory: "64Mi", cpu: "250m" } },
      securityContext: { readOnlyRootFilesystem: true, capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] } },
      volumeMounts: [{ name: "scratch", mountPath: "/scratch" }, { name: "host", mountPath: "/data", readOnly: true }, { name: "conf", mountPath: "/etc/conf" }],
    });
    // A CPU limit and no request: the kubelet's cpu.shares come from the limit (300m: 307).
    pod.spec.containers[1].resources = { limits: { memory: "128Mi", cpu: "300m" } };
    const conf = { apiVersion: "v1" as const, kind: "ConfigMap" as const, metadata: { name: "conf" }, data: { "a.txt": "hello\n" } };
    const made = new DockerPod("feat", { manifest: pod, configMaps: new Map([["conf", conf]]), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs" });
    const layout = await valueOf(made.layout);
    await settled(made);
    expect(byName("feat-sandbox")!.inputs.hostname).toBe("web");
    const app = byName("feat-app")!.inputs;
    expect(app).toMatchObject({
      envs: ["B=2", "A=1"], workingDir: "/srv", memory: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryReservation: 64, cpuShares: 256,
      user: "1000:1000", readOnly: true, capabilities: { adds: ["NET_ADMIN"], drops: ["ALL"] },
      pidMode: "container:feat-sandbox-id", stopTimeout: 3, destroyGraceSeconds: 3,
      mounts: [
        { type: "bind", source: "/var/lib/podlab/pods/feat/volumes/empty-dir/scratch", target: "/scratch", readOnly: false },
        { type: "bind", source: "/var/lib/podlab/pods/feat/volumes/configmap/conf", target: "/etc/conf", readOnly: true },
      ],
      volumes: [{ hostPath: "/srv/data", containerPath: "/data", readOnly: true }],
    });
    expect(byName("feat-sidecar")!.inputs).toMatchObject({ user: "1000:1000", pidMode: "container:feat-sandbox-id", cpuShares: 307 });
    expect(byName("feat-volumes")!.inputs.environment).toEqual({
      PODLAB_SCRIPT: readFileSync(join(__dirname, "../../components/docker/volumes.sh"), "utf8"),
      PODLAB_POD_DIR: "/var/lib/podlab/pods/feat", PODLAB_EMPTY_DIRS: "scratch", PODLAB_MEMORY_DIRS: "", PODLAB_SUBPATHS: "", PODLAB_FS_GROUP: "", PODLAB_CONFIGMAPS: "conf", PODLAB_SECRETS: "", PODLAB_PROJECTED: "", PODLAB_FILES: "configmap/conf/a.txt 644", PODLAB_FILE_0: Buffer.from("hello\n").toString("base64"),
    });
    expect(layout.containers[0].mounts).toEqual(["conf:/etc/conf:ro", "host:/data:ro", "scratch:/scratch"]);
    expect(layout.containers[0].namespaces.pid).toBe("sandbox");
  });

  it("renders groups, stdin and tty, subPaths and memory emptyDirs, and hands the volume script their values", async () => {
    const manifest: any = namedPod("opts");
    manifest.spec.securityContext = { supplementalGroups: [4000, 2000], fsGroup: 2000 };
    manifest.spec.volumes = [{ name: "mem", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }, { name: "data", emptyDir: {} }];
    Object.assign(manifest.spec.containers[0], {
      stdin: true, tty: true, env: [{ name: "SUB", value: "a" }],
      volumeMounts: [{ name: "mem", mountPath: "/mem" }, { name: "data", mountPath: "/data", subPathExpr: "$(SUB)/b" }],
    });
    const pod = make(manifest);
    await settled(pod);
    const app = byName("opts-app")!.inputs;
    expect(app).toMatchObject({ groupAdds: ["4000", "2000"], stdinOpen: true, tty: true });
    expect(app.mounts).toEqual([
      { type: "bind", source: "/var/lib/podlab/pods/opts/volumes/empty-dir/mem", target: "/mem", readOnly: false },
      { type: "bind", source: "/var/lib/podlab/pods/opts/volumes/empty-dir/data/a/b", target: "/data", readOnly: false },
    ]);
    expect(byName("opts-sidecar")!.inputs).toMatchObject({ groupAdds: ["4000", "2000"] });
    expect(byName("opts-sidecar")!.inputs.stdinOpen).toBeUndefined();
    expect(byName("opts-volumes")!.inputs.environment).toMatchObject({
      PODLAB_EMPTY_DIRS: "mem\ndata", PODLAB_MEMORY_DIRS: `mem ${16 * 2 ** 20}`, PODLAB_SUBPATHS: "data/a/b", PODLAB_FS_GROUP: "2000",
    });
    // The layout names the volume a subPath mount is in.
    expect((await valueOf(pod.layout)).containers.find((c) => c.name === "app")!.mounts).toEqual(["data:/data", "mem:/mem"]);
  });

  it("hands the containers' probes to the agent", async () => {
    const manifest: any = namedPod("probed");
    manifest.spec.containers[0].readinessProbe = { httpGet: { path: "/get", port: 80, httpHeaders: [{ name: "X-Probe", value: "1" }] } };
    manifest.spec.containers[1].livenessProbe = { exec: { command: ["true"] }, periodSeconds: 5 };
    manifest.spec.containers[1].startupProbe = { exec: { command: ["true"] }, failureThreshold: 30 };
    await settled(new DockerPod("probed", { manifest, sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs" }));
    const env = byName("probed-agent")!.inputs.envs.find((e: string) => e.startsWith("PODLAB_PODS="));
    const defaults = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
    expect(JSON.parse(env.slice("PODLAB_PODS=".length))[0].probes).toEqual({
      app: { readiness: { httpGet: { path: "/get", port: 80, headers: [{ name: "X-Probe", value: "1" }] }, ...defaults } },
      sidecar: { liveness: { exec: { command: ["true"] }, ...defaults, periodSeconds: 5 }, startup: { exec: { command: ["true"] }, ...defaults, failureThreshold: 30 } },
    });
  });

  it("creates init containers without starting them, and runs them through the gate `<pod>-init`", async () => {
    const manifest: any = namedPod("withinit");
    manifest.spec.initContainers = [
      { name: "setup", image: "curlimages/curl", command: ["sh", "-c", "echo one"] },
      { name: "migrate", image: "curlimages/curl", command: ["sh", "-c", "echo two"] },
    ];
    const made = new DockerPod("withinit", { manifest, sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", readyTimeout: "2m" });
    const layout = await valueOf(made.layout);
    await settled(made);
    for (const c of ["withinit-setup", "withinit-migrate"]) {
      expect(byName(c)!.inputs).toMatchObject({ start: false, mustRun: false, restart: "no", networkMode: "container:withinit-sandbox-id", cgroupParent: "/pod-withinit" });
      expect(byName(c)!.inputs.labels).toContainEqual({ label: "podlab.dev/role", value: "init" });
    }
    // The agent, run once: the same pod config as the stack's agent, its image, the ready timeout.
    const gate = byName("withinit-init")!.inputs;
    expect(gate.environment).toMatchObject({ PODLAB_POD: "withinit", PODLAB_ON_CREATE: "init", PODLAB_TIMEOUT: "120s", PODLAB_AGENT_IMAGE: byName("withinit-agent")!.inputs.image });
    expect(gate.environment.PODLAB_ON_DELETE).toBeUndefined();
    expect(JSON.parse(gate.environment.PODLAB_PODS)).toEqual(JSON.parse(byName("withinit-agent")!.inputs.envs[0].replace(/^PODLAB_PODS=/, "")));
    expect(gate.triggers).toEqual([]);
    expect(gate.create).not.toContain("withinit"); // a constant script
    expect(JSON.parse(byName("withinit-agent")!.inputs.envs[0].replace(/^PODLAB_PODS=/, ""))[0].initContainers).toEqual(["setup", "migrate"]);
    expect(byName("withinit-agent")!.inputs.envs.some((e: string) => e.startsWith("PODLAB_PROBES="))).toBe(false);
    expect(layout.containers.map((c) => [c.name, c.init ?? false])).toEqual([["setup", true], ["migrate", true], ["app", false], ["sidecar", false]]);
  });

  it("hands sidecars (init containers with restartPolicy Always) to the gate and the agent, and publishes their host ports", async () => {
    const manifest: any = namedPod("withsc");
    manifest.spec.restartPolicy = "Never";
    manifest.spec.initContainers = [
      { name: "proxy", image: "curlimages/curl", restartPolicy: "Always", ports: [{ containerPort: 8080, hostPort: 18080 }], readinessProbe: { tcpSocket: { port: 8080 } } },
      { name: "setup", image: "curlimages/curl", command: ["true"] },
    ];
    const made = new DockerPod("withsc", { manifest, sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs" });
    await settled(made);
    expect(byName("withsc-proxy")!.inputs).toMatchObject({ start: false, mustRun: false, restart: "no" });
    expect(JSON.parse(byName("withsc-init")!.inputs.environment.PODLAB_PODS)[0]).toMatchObject({ initContainers: ["proxy", "setup"], sidecars: ["proxy"] });
    expect(byName("withsc-sandbox")!.inputs.ports).toEqual([{ internal: 8080, external: 18080, ip: "0.0.0.0", protocol: "tcp" }]);
    const config = JSON.parse(byName("withsc-agent")!.inputs.envs[0].replace(/^PODLAB_PODS=/, ""))[0];
    expect(config).toMatchObject({ initContainers: ["proxy", "setup"], sidecars: ["proxy"], restartPolicy: "Never" });
    expect(config.probes.proxy.readiness.tcpSocket).toEqual({ port: 8080 });
  });

  it("hands lifecycle hooks to the agent, and preStop hooks to the commands that run them on destroy", async () => {
    const manifest: any = namedPod("hooked");
    manifest.spec.terminationGracePeriodSeconds = 5;
    manifest.spec.initContainers = [{ name: "proxy", image: "curlimages/curl", restartPolicy: "Always", lifecycle: { preStop: { sleep: { seconds: 2 } } } }];
    manifest.spec.containers[0].ports = [{ name: "web", containerPort: 80 }];
    manifest.spec.containers[0].lifecycle = { postStart: { exec: { command: ["sh", "-c", "echo hi > /tmp/hi"] } }, preStop: { httpGet: { path: "/quit", port: "web", httpHeaders: [{ name: "X-Why", value: "stop" }] } } };
    const made = make(manifest);
    await settled(made);
    const config = JSON.parse(byName("hooked-agent")!.inputs.envs[0].replace(/^PODLAB_PODS=/, ""))[0];
    expect(config.terminationGracePeriodSeconds).toBe(5);
    expect(config.hooks).toEqual({
      proxy: { preStop: { sleep: { seconds: 2 } } },
      app: { postStart: { exec: { command: ["sh", "-c", "echo hi > /tmp/hi"] } }, preStop: { httpGet: { path: "/quit", port: 80, headers: [{ name: "X-Why", value: "stop" }] } } },
    });
    // A command per container with a preStop hook, replaced with it: a replacement of one stops it alone.
    const stopConfig = (name: string) => JSON.parse(byName(name)!.inputs.environment.PODLAB_PODS)[0];
    expect(byName("hooked-app-pre-stop")!.inputs).toMatchObject({ triggers: ["hooked-app-id"], environment: { PODLAB_POD: "hooked", PODLAB_CONTAINERS: "app" } });
    expect(byName("hooked-proxy-pre-stop")!.inputs.environment).toMatchObject({ PODLAB_POD: "hooked", PODLAB_CONTAINERS: "proxy" });
    // The pod's stop, replaced with the sandbox: all of the pod's containers, by the agent's config.
    const podStop = byName("hooked-stop")!.inputs;
    expect(podStop.triggers).toEqual([]);
    expect(podStop.environment.PODLAB_CONTAINERS).toBeUndefined();
    expect(podStop.environment.PODLAB_AGENT_IMAGE).toBe(byName("hooked-agent")!.inputs.image);
    for (const cmd of ["hooked-stop", "hooked-app-pre-stop"]) expect(stopConfig(cmd)).toEqual(config);
    expect(podStop.delete).not.toContain("hooked"); // a constant script
    expect(byName("hooked-sidecar-pre-stop")).toBeUndefined();
  });

  it("keeps a Secret's variables out of the container's configuration: env-exec reads them from a tmpfs file", async () => {
    const manifest: any = namedPod("sec");
    Object.assign(manifest.spec.containers[0], {
      command: ["/bin/app"], args: ["--password=$(PASS)", "--region=$(REGION)"],
      env: [{ name: "REGION", value: "eu" }, { name: "PASS", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
    });
    Object.assign(manifest.spec.containers[1], { envFrom: [{ secretRef: { name: "db" }, prefix: "DB_" }], command: undefined });
    const secrets = new Map([["db", { apiVersion: "v1" as const, kind: "Secret" as const, metadata: { name: "db" }, stringData: { password: "s3cr$t" } }]]);
    const imageDefaults = new Map([["podlab/curl:0.1", { entrypoint: ["/bin/sh", "-c"], cmd: ["echo $HOME"] }]]);
    const opts = { manifest, secrets, sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs" as const };
    // The sidecar sets no command: env-exec must be told its image's own.
    expect(() => new DockerPod("sec", opts)).toThrow("Pod sec: spec.containers[1].command: podlab needs the image podlab/curl:0.1's ENTRYPOINT and CMD to start it through env-exec");
    expect(registered.filter((r) => r.name.startsWith("sec"))).toEqual([]);
    const pod = new DockerPod("sec", { ...opts, imageDefaults });
    await settled(pod);
    const app = byName("sec-app")!.inputs;
    expect(app.envs).toEqual(["REGION=eu"]);
    // As written: env-exec expands them with the secret variables.
    expect(app.entrypoints).toEqual(["/.podlab/env-exec", "/bin/app"]);
    expect(app.command).toEqual(["--password=$(PASS)", "--region=$(REGION)"]);
    expect(app.mounts).toEqual([
      { type: "volume", source: "sec-env-exec", target: "/.podlab", readOnly: true },
      { type: "bind", source: "/var/lib/podlab/env/sec/app", target: "/.podlab-env", readOnly: true },
    ]);
    // The image's own words are not the kubelet's to expand: each $ doubled for env-exec.
    expect(byName("sec-sidecar")!.inputs).toMatchObject({ entrypoints: ["/.podlab/env-exec", "/bin/sh", "-c"], command: ["echo $$HOME"] });
    expect(byName("sec-sandbox")!.inputs.mounts).toEqual([{ type: "volume", source: "sec-env-exec", target: "/.podlab" }]);
    expect(byName("sec-env-exec")!.type).toBe("docker:index/volume:Volume");
    // A Pulumi secret: the mocks see it wrapped, under the secret signature.
    const wrapped = byName("sec-env")!.inputs.environment;
    expect(wrapped["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(byName("sec-env")!.inputs.triggers["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    const env = wrapped.value;
    expect(env).toMatchObject({ PODLAB_ENV_DIR: "/var/lib/podlab/env/sec", PODLAB_ENV_CONTAINERS: "app\nsidecar" });
    expect(JSON.parse(Buffer.from(env.PODLAB_ENV_0, "base64").toString())).toEqual({ env: [{ name: "REGION", value: "eu" }, { name: "PASS", value: "s3cr$t" }] });
    expect(JSON.parse(Buffer.from(env.PODLAB_ENV_1, "base64").toString())).toEqual({ env: [{ name: "DB_password", value: "s3cr$t" }] });
    // Nothing else holds the value in plain text: not the labels, not the other commands. The readiness
    // gate holds it as a Pulumi secret, to mask it in the log lines it quotes.
    const SIG = "4dabf18193072939515e22adb298388d";
    const plain = JSON.stringify(registered.filter((r) => r.name !== "sec-env").map((r) => r.inputs), (_k, v) => (v?.[SIG] ? "[secret]" : v));
    expect(plain).not.toContain("s3cr$t");
    const ready = byName("sec-ready")!.inputs.environment;
    expect(ready[SIG]).toBeDefined();
    expect(ready.value.PODLAB_MASK.split("\n")).toContain("s3cr$t");
    // The layout shows the command as written, and no mount the manifest did not ask for.
    const layout = await valueOf(pod.layout);
    expect(layout.containers.find((c) => c.name === "app")).toMatchObject({ command: ["/bin/app"], args: ["--password=$(PASS)", "--region=$(REGION)"], mounts: [] });
  });

  it("starts a container whose env reads the pod's IP through env-exec, its file no secret", async () => {
    const manifest: any = namedPod("ips");
    manifest.spec.containers[1].env = [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }, { name: "URL", value: "http://$(IP)" }, { name: "K", value: "v" }];
    const pod = make(manifest);
    await settled(pod);
    expect(byName("ips-sidecar")!.inputs).toMatchObject({ envs: ["K=v"], entrypoints: ["/.podlab/env-exec", "/bin/sleep", "3650d"] });
    expect(byName("ips-app")!.inputs.entrypoints).toBeUndefined();
    const env = byName("ips-env")!.inputs.environment;
    expect(env["4dabf18193072939515e22adb298388d"]).toBeUndefined();
    expect(JSON.parse(Buffer.from(env.PODLAB_ENV_0, "base64").toString())).toEqual({ env: [{ name: "IP", field: "status.podIP" }, { name: "URL", expand: "http://$(IP)" }, { name: "K", value: "v" }] });
  });

  it("refuses bad input before registering anything", () => {
    const pod = fooPod();
    pod.spec!.containers[0].resources!.limits!.memory = "256Xi";
    expect(() => make(pod)).toThrow('Pod foo: spec.containers[0].resources.limits.memory: "256Xi" is not a memory quantity');
    expect(() => new DockerPod("foo", { manifest: fooPod(), sandboxImage: "pause;ls", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs" })).toThrow('sandboxImage: "pause;ls"');
    expect(() => new DockerPod("foo", { manifest: fooPod(), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", readyTimeout: "0s" }))
      .toThrow('readyTimeout: "0s" is not a duration such as 90s, 10m or 1h');
    const withMinReady = (minReadySeconds: number) => new DockerPod("foo", { manifest: fooPod(), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", readyTimeout: "90s", minReadySeconds });
    expect(() => withMinReady(-1)).toThrow('minReadySeconds: -1 is not a whole number of seconds, 0 or more');
    expect(() => withMinReady(1.5)).toThrow('minReadySeconds: 1.5 is not a whole number of seconds, 0 or more');
    expect(() => withMinReady(90)).toThrow('minReadySeconds: 90 must be less than the ready timeout (90s), or the pod could never be ready in time');
    const policy: any = fooPod();
    policy.spec.restartPolicy = "always";
    expect(() => make(policy)).toThrow('Pod foo: spec.restartPolicy: "always" is not one of Always, OnFailure, Never');
    expect(registered).toEqual([]);
  });
});
