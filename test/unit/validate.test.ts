import { describe, expect, it } from "vitest";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES, imageOverrides, overrideImage } from "../../components/model/image-overrides";
import { parseCpu, parseMemory } from "../../components/model/quantity";
import { fooPod } from "./fixtures";

describe("quantities", () => {
  it("parses Kubernetes memory quantities", () => {
    expect(parseMemory("256Mi")).toBe(268435456);
    expect(parseMemory("1Gi")).toBe(2 ** 30);
    expect(parseMemory("500M")).toBe(500e6);
    expect(parseMemory("1024")).toBe(1024);
    expect(parseMemory("256Xi")).toBeUndefined();
    expect(parseMemory("-256Mi")).toBeUndefined();
    expect(parseMemory("1.5Gi")).toBeUndefined();
  });
  it("parses CPU quantities", () => {
    expect(parseCpu("500m")).toBe(500);
    expect(parseCpu("2")).toBe(2000);
    expect(parseCpu("0.25")).toBe(250);
    expect(parseCpu("0.0001")).toBeUndefined();
  });
});

const SRC = "pods/foo.yaml: Pod foo";
const model = (pod = fooPod(), platform: "docker" | "kubernetes" = "docker", configMaps = new Map()) =>
  podSpecFromManifest(pod, SRC, { images: DEFAULT_IMAGE_OVERRIDES, configMaps, platform }).spec;
const bad = (edit: (p: any) => void, platform: "docker" | "kubernetes" = "docker") => {
  const pod: any = fooPod();
  edit(pod);
  return () => model(pod, platform);
};

describe("image overrides (kustomize's images:)", () => {
  it("maps the walkthrough's images to podlab's builds by default", () => {
    expect(overrideImage("docker.io/kennethreitz/httpbin", DEFAULT_IMAGE_OVERRIDES)).toBe("podlab/httpbin:0.1");
    expect(overrideImage("curlimages/curl:8.5.0", DEFAULT_IMAGE_OVERRIDES)).toBe("podlab/curl:0.1");
    expect(overrideImage("busybox:1.36", DEFAULT_IMAGE_OVERRIDES)).toBe("busybox:1.36");
  });
  it("puts config entries over the defaults, keeping a tag unless newTag is given", () => {
    const o = imageOverrides([{ name: "curlimages/curl", newName: "my/curl" }, { name: "localhost:5000/x", newTag: "2" }]);
    expect(overrideImage("curlimages/curl:8", o)).toBe("my/curl:8");
    expect(overrideImage("localhost:5000/x", o)).toBe("localhost:5000/x:2");
    expect(overrideImage("docker.io/kennethreitz/httpbin", o)).toBe("podlab/httpbin:0.1");
  });
  it("refuses a malformed entry, naming it", () => {
    expect(() => imageOverrides([{ name: "x", newTag: "a b" }])).toThrow('podlab:images[0].newTag: "a b" is not an image tag');
    expect(() => imageOverrides([{ name: "x", tag: "1" }])).toThrow('podlab:images[0].tag: "1" is not a field of an image override (name, newName, newTag, digest)');
    expect(() => imageOverrides({ name: "x" })).toThrow("podlab:images: {\"name\":\"x\"} is not a list");
  });
});

describe("the Pod model from a manifest", () => {
  it("reads the walkthrough's pod: images overridden, limits in bytes, Kubernetes' defaults", () => {
    const spec = model();
    expect(spec.containers.map((c) => [c.name, c.image, c.limits.memoryBytes])).toEqual([
      ["app", "podlab/httpbin:0.1", 256 * 2 ** 20],
      ["sidecar", "podlab/curl:0.1", 128 * 2 ** 20],
    ]);
    expect(spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
    expect(spec).toMatchObject({ name: "foo", hostname: "foo", restartPolicy: "Always", shareProcessNamespace: false, limits: {}, volumes: [] });
  });
  it("refuses a pod name with shell characters or over the length limit", () => {
    expect(bad((p) => (p.metadata.name = "foo;rm -rf /"))).toThrow(
      `${SRC}: metadata.name: "foo;rm -rf /" is not a valid pod name (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
    );
    expect(bad((p) => (p.metadata.name = "a".repeat(51)))).toThrow(`${SRC}: metadata.name: "${"a".repeat(51)}" is longer than 50 characters`);
  });
  it("refuses memory quantities Docker cannot take", () => {
    expect(bad((p) => (p.spec.containers[0].resources.limits.memory = "256Xi"))).toThrow(`${SRC}: spec.containers[0].resources.limits.memory: "256Xi" is not a memory quantity`);
    expect(bad((p) => (p.spec.containers[1].resources.limits.memory = "100M"))).toThrow(`${SRC}: spec.containers[1].resources.limits.memory: "100M" is not a whole number of MiB`);
    expect(bad((p) => (p.spec.containers[1].resources.limits.memory = "1Mi"))).toThrow(`${SRC}: spec.containers[1].resources.limits.memory: "1Mi" is below 6Mi`);
  });
  it("refuses two containers with one name or on one port", () => {
    expect(bad((p) => (p.spec.containers[1].name = "app"))).toThrow(`${SRC}: spec.containers[1].name: "app" is already the name of spec.containers[0]`);
    expect(bad((p) => (p.spec.containers[1].ports = [{ containerPort: 80 }]))).toThrow(
      `${SRC}: spec.containers[1].ports[0].containerPort: 80 is already used by container "app" (containers of a pod share one network namespace)`,
    );
  });
  it("refuses bad images, env names and reserved names", () => {
    expect(bad((p) => (p.spec.containers[0].image = "httpbin; reboot"))).toThrow(`${SRC}: spec.containers[0].image: "httpbin; reboot" is not an image reference`);
    expect(bad((p) => (p.spec.containers[0].env = [{ name: "A B", value: "x" }]))).toThrow(`${SRC}: spec.containers[0].env[0].name: "A B" is not a valid environment variable name`);
    expect(bad((p) => (p.spec.containers[0].name = "sandbox"))).toThrow(`${SRC}: spec.containers[0].name: "sandbox" is the name of the container podlab adds to hold the pod's namespaces (<pod>-sandbox): rename the container`);
    // Kubernetes' own examples name a container pause: no part of podlab's is <pod>-pause.
    for (const name of ["pause", "cgroup", "ready", "init", "stop"]) expect(bad((p) => (p.spec.containers[0].name = name))).not.toThrow();
  });
  it("refuses a container limit above the pod's limit, as the API server does", () => {
    expect(bad((p) => { p.spec.resources = { limits: { cpu: "500m" } }; p.spec.containers[0].resources.limits.cpu = "1"; })).toThrow(
      `${SRC}: spec.containers[0].resources.limits.cpu: "1" is above the pod's CPU limit "500m" (spec.resources.limits.cpu)`,
    );
    expect(bad((p) => (p.spec.resources = { limits: { memory: "200Mi" } }))).toThrow(
      `${SRC}: spec.containers[0].resources.limits.memory: "256Mi" is above the pod's memory limit "200Mi" (spec.resources.limits.memory)`,
    );
    expect(bad((p) => (p.spec.containers[0].resources.requests = { memory: "300Mi" }))).toThrow(
      `${SRC}: spec.containers[0].resources.requests.memory: "300Mi" is above the container's limit "256Mi"`,
    );
  });
  it("refuses fields the docker platform does not render, with their path", () => {
    expect(bad((p) => (p.spec.hostNetwork = true))).toThrow(`${SRC}: spec.hostNetwork: true is not supported on the docker platform (a pod there always has its own namespaces)`);
    expect(bad((p) => (p.spec.hostNetwork = false))).not.toThrow();
    expect(bad((p) => (p.spec.containers[0].env = [{ name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }]))).not.toThrow();
    expect(bad((p) => (p.spec.containers[0].env = [{ name: "A", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }]))).toThrow(
      `${SRC}: spec.containers[0].env[0].valueFrom.secretKeyRef.name: "s" is not the name of a Secret in the stack's manifests (mark the reference optional: true to run without it)`,
    );
    expect(bad((p) => (p.spec.volumes = [{ name: "m", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }]))).not.toThrow();
    expect(bad((p) => (p.spec.volumes = [{ name: "m", emptyDir: { sizeLimit: "1Gi" } }]))).toThrow(
      `${SRC}: spec.volumes[0].emptyDir.sizeLimit: "1Gi" is enforced by the kubelet's eviction manager on disk, which a Docker host has not: set medium: Memory (a tmpfs of that size), or leave it out`);
    expect(bad((p) => (p.spec.containers[0].stdinOnce = true))).toThrow(`${SRC}: spec.containers[0].stdinOnce: true is not rendered on the docker platform`);
    expect(bad((p) => (p.spec.containers[0].volumeMounts = [{ name: "m", mountPath: "/m", subPathExpr: "$(NOPE)/x" }], p.spec.volumes = [{ name: "m", emptyDir: {} }]))).toThrow(
      `${SRC}: spec.containers[0].volumeMounts[0].subPathExpr: "$(NOPE)/x" expands to "$(NOPE)/x", which is not a relative path inside the volume`);
    // A sidecar's ports are in the pod's network: unique with the app containers'.
    expect(bad((p) => (p.spec.initContainers = [{ name: "proxy", image: "busybox", restartPolicy: "Always", ports: [{ containerPort: 80 }] }]))).toThrow(
      `${SRC}: spec.containers[0].ports[0].containerPort: 80 is already used by container "proxy" (containers of a pod share one network namespace)`);
    // A sidecar (restartPolicy: Always) with its ports and probes is rendered.
    expect(bad((p) => (p.spec.initContainers = [{ name: "proxy", image: "busybox", restartPolicy: "Always", ports: [{ containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 } } }]))).not.toThrow();
    expect(bad((p) => (p.spec.initContainers = [{ name: "proxy", image: "busybox", restartPolicy: "Always", lifecycle: { preStop: { sleep: { seconds: 1 } } } }]))).not.toThrow();
    expect(bad((p) => (p.spec.containers[0].lifecycle = { postStart: { exec: { command: ["/bin/sh"] } }, preStop: { httpGet: { path: "/quit", port: 80 } } }))).not.toThrow();
    expect(bad((p) => (p.spec.containers[0].startupProbe = { tcpSocket: { port: 80 } }))).not.toThrow();
    expect(bad((p) => (p.spec.containers[0].readinessProbe = { grpc: { port: 80 } }))).not.toThrow();
    // The shallowest path without a row in the table, and the feature's name (issue 18, case 5).
    expect(bad((p) => (p.spec.containers[0].lifecycle = { preStop: { tcpSocket: { port: 80 } } }))).toThrow(
      `${SRC}: spec.containers[0].lifecycle.preStop.tcpSocket: tcpSocket lifecycle handlers (deprecated: no kubelet runs them) are not rendered on the docker platform (see the README's support table)`,
    );
    expect(bad((p) => (p.spec.containers[0].lifecycle = { stopSignal: "SIGUSR1" }))).toThrow(
      `${SRC}: spec.containers[0].lifecycle.stopSignal: stop signals (ContainerStopSignals) are not rendered on the docker platform`,
    );
    expect(bad((p) => (p.spec.volumes = [{ name: "d", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } }]))).not.toThrow();
    expect(bad((p) => (p.spec.volumes = [{ name: "t", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }]))).toThrow(
      `${SRC}: spec.volumes[0].projected.sources[0].serviceAccountToken: service account tokens (a Docker host has no Kubernetes API) are not rendered on the docker platform`,
    );
    expect(bad((p) => (p.spec.volumes = [{ name: "n", nfs: { server: "nas", path: "/export" } }]))).toThrow(`${SRC}: spec.volumes[0].nfs: NFS volumes are not rendered on the docker platform`);
    expect(bad((p) => (p.spec.containers[0].securityContext = { privileged: true }))).toThrow(`${SRC}: spec.containers[0].securityContext.privileged: privileged containers are not rendered on the docker platform`);
  });
  it("leaves to Kubernetes what only the docker platform cannot do", () => {
    const pod: any = fooPod();
    pod.metadata.name = "a".repeat(60);
    pod.spec.volumes = [{ name: "s", secret: { secretName: "x" } }, { name: "c", configMap: { name: "in-the-cluster" } }, { name: "f", hostPath: { path: "/etc/hosts", type: "File" } }];
    pod.spec.containers[0].name = "agent";
    pod.spec.containers[0].resources.limits.memory = "100M";
    pod.spec.containers[0].ports = [{ containerPort: 80, protocol: "SCTP" }];
    pod.spec.containers[0].readinessProbe = { httpGet: { port: 80, scheme: "HTTPS" } };
    const spec = model(pod, "kubernetes");
    expect(spec.volumes.map((v) => v.name)).toEqual(["s", "c", "f"]);
    expect(spec.containers[0].limits.memoryBytes).toBe(100e6);
    expect(() => model(pod, "docker")).toThrow();
  });
  it("refuses ConfigMaps the docker platform cannot write, and keys the API server refuses", () => {
    const cm = (data: Record<string, string>) => new Map([["c", { apiVersion: "v1" as const, kind: "ConfigMap" as const, metadata: { name: "c" }, data }]]);
    const pod: any = fooPod();
    pod.spec.volumes = [{ name: "c", configMap: { name: "c" } }];
    expect(() => model(pod, "docker", cm({ big: "x".repeat(100 * 1024) }))).toThrow(`${SRC}: spec.volumes[0].configMap (ConfigMap c): big: 102400 bytes is over 90 KiB, the most the docker platform writes per file (through its volume command's environment)`);
    expect(() => model(pod, "docker", cm({ "..data": "x" }))).toThrow(`${SRC}: spec.volumes[0].configMap (ConfigMap c): key ..data: "..data" is not a valid key`);
    expect(model(pod, "docker", cm({})).volumes).toEqual([{ name: "c", configMap: { name: "c", files: [] } }]);
  });
  it("accepts empty objects that set nothing", () => {
    expect(() => model((() => { const p: any = fooPod(); p.spec.containers[1].resources = {}; p.spec.securityContext = {}; return p; })())).not.toThrow();
  });
  it("leaves Kubernetes-only fields to the Kubernetes stack, and reads any field there", () => {
    const pod: any = fooPod();
    pod.spec.nodeSelector = { disk: "ssd" };
    pod.metadata.labels = { app: "foo" };
    const out = podSpecFromManifest(pod, SRC, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" });
    expect(out.kubernetesOnly).toEqual(["metadata.labels", "spec.nodeSelector"]);
    expect(bad((p) => (p.spec.hostNetwork = true), "kubernetes")).not.toThrow();
  });
  it("reads the rendered features: env, workingDir, requests, securityContext, volumes, PID sharing, grace period, hostname", () => {
    const pod: any = fooPod();
    Object.assign(pod.spec, {
      hostname: "web", shareProcessNamespace: true, terminationGracePeriodSeconds: 0, restartPolicy: "OnFailure",
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      volumes: [{ name: "scratch", emptyDir: {} }, { name: "host", hostPath: { path: "/srv/data" } }, { name: "conf", configMap: { name: "conf" } }],
    });
    Object.assign(pod.spec.containers[0], {
      env: [{ name: "B", value: "2" }, { name: "A", value: "1" }], workingDir: "/srv",
      resources: { limits: { memory: "256Mi", cpu: "500m" }, requests: { memory: "64Mi", cpu: "250m" } },
      securityContext: { runAsUser: 0, readOnlyRootFilesystem: true, capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] } },
      volumeMounts: [{ name: "scratch", mountPath: "/scratch" }, { name: "conf", mountPath: "/etc/conf" }],
    });
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "conf" }, data: { "a.txt": "hello" } };
    const spec = model(pod, "docker", new Map([["conf", cm]]));
    expect(spec).toMatchObject({ hostname: "web", shareProcessNamespace: true, terminationGracePeriodSeconds: 0, restartPolicy: "OnFailure" });
    expect(spec.volumes).toEqual([
      { name: "scratch", emptyDir: { medium: "" } },
      { name: "host", hostPath: { path: "/srv/data", type: "" } },
      { name: "conf", configMap: { name: "conf", files: [{ path: "a.txt", base64: Buffer.from("hello").toString("base64"), mode: 0o644 }] } },
    ]);
    expect(spec.containers[0]).toMatchObject({
      env: [{ name: "B", value: "2" }, { name: "A", value: "1" }], workingDir: "/srv",
      limits: { memoryBytes: 256 * 2 ** 20, cpuMillis: 500 }, requests: { memoryBytes: 64 * 2 ** 20, cpuMillis: 250 },
      securityContext: { runAsUser: 0, runAsGroup: 1000, readOnlyRootFilesystem: true, capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] } },
      mounts: [{ volume: "scratch", mountPath: "/scratch", readOnly: false }, { volume: "conf", mountPath: "/etc/conf", readOnly: false }],
    });
    expect(spec.containers[1].securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
  });
  it("reads init containers, whose names share one namespace with the app containers'", () => {
    const pod: any = fooPod();
    pod.spec.initContainers = [{ name: "setup", image: "curlimages/curl", command: ["true"], resources: { limits: { memory: "32Mi" } } }];
    const spec = model(pod);
    expect(spec.initContainers.map((c) => [c.name, c.image, c.command, c.limits.memoryBytes])).toEqual([["setup", "podlab/curl:0.1", ["true"], 32 * 2 ** 20]]);
    pod.spec.initContainers[0].name = "app";
    expect(() => model(pod)).toThrow(`${SRC}: spec.initContainers[0].name: "app" is already the name of another container of the pod`);
    pod.spec.initContainers[0].name = "setup";
    pod.spec.resources = { limits: { memory: "16Mi" } };
    expect(() => model(pod)).toThrow(`${SRC}: spec.initContainers[0].resources.limits.memory: "32Mi" is above the pod's memory limit "16Mi"`);
  });
  it("reads probes with Kubernetes' defaults, resolving named ports", () => {
    const pod: any = fooPod();
    pod.spec.containers[0].ports = [{ name: "http", containerPort: 80 }];
    pod.spec.containers[0].readinessProbe = { httpGet: { path: "/get", port: "http" }, periodSeconds: 2 };
    pod.spec.containers[0].livenessProbe = { tcpSocket: { port: 80 }, failureThreshold: 5 };
    pod.spec.containers[1].readinessProbe = { exec: { command: ["true"] } };
    const spec = model(pod);
    expect(spec.containers[0].readinessProbe).toEqual({ httpGet: { path: "/get", port: 80 }, initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    expect(spec.containers[0].livenessProbe).toEqual({ tcpSocket: { port: 80 }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 5 });
    expect(spec.containers[1].readinessProbe!.exec).toEqual({ command: ["true"] });
  });
  it("refuses probes the API server or Docker refuses", () => {
    expect(bad((p) => (p.spec.containers[0].readinessProbe = { httpGet: { port: "web" } }))).toThrow(`${SRC}: spec.containers[0].readinessProbe.httpGet.port: "web" is not the name of one of the container's ports`);
    expect(bad((p) => (p.spec.containers[0].livenessProbe = { tcpSocket: { port: 80 }, successThreshold: 2 }))).toThrow(`${SRC}: spec.containers[0].livenessProbe.successThreshold: 2 must be 1 for a liveness probe`);
    expect(bad((p) => (p.spec.containers[0].readinessProbe = { tcpSocket: { port: 80 }, exec: { command: ["true"] } }))).toThrow(`${SRC}: spec.containers[0].readinessProbe: {"tcpSocket":{"port":80},"exec":{"command":["true"]}} must have exactly one handler`);
    expect(bad((p) => (p.spec.containers[0].readinessProbe = { httpGet: { port: 80, scheme: "HTTPS" } }))).toThrow(`${SRC}: spec.containers[0].readinessProbe.httpGet.scheme: "HTTPS" is not supported on the docker platform (HTTP only)`);
    expect(bad((p) => (p.spec.containers[0].readinessProbe = { tcpSocket: { port: 80 }, periodSeconds: 0 }))).toThrow(`${SRC}: spec.containers[0].readinessProbe.periodSeconds: 0 is not a whole number of at least 1`);
  });
  it("refuses what the Docker engine refuses at create, before any resource exists", () => {
    const mounts = (paths: string[]) => (p: any) => {
      p.spec.volumes = paths.map((_, i) => ({ name: `v${i}`, emptyDir: {} }));
      p.spec.containers[0].volumeMounts = paths.map((mountPath, i) => ({ name: `v${i}`, mountPath }));
    };
    // Issue 18, case 1: the API server takes /data and /data/ as two paths; Docker cleans them to one.
    expect(bad(mounts(["/data", "/data/"]))).toThrow(
      `${SRC}: spec.containers[0].volumeMounts[1].mountPath: "/data/" is the mount point of volumeMounts[0] once cleaned ("/data"): the Docker engine refuses the container ("Duplicate mount point: /data")`,
    );
    expect(bad(mounts(["/data", "/srv/../data"]))).toThrow(`volumeMounts[1].mountPath: "/srv/../data" is the mount point of volumeMounts[0] once cleaned`);
    expect(bad(mounts(["/data", "/data/x"]))).not.toThrow();
    expect(bad(mounts(["/data", "/data/"]), "kubernetes")).not.toThrow();
    expect(bad(mounts(["//"]))).toThrow(`${SRC}: spec.containers[0].volumeMounts[0].mountPath: "//" is the root directory`);
    expect(bad(mounts(["data"]))).toThrow(`${SRC}: spec.containers[0].volumeMounts[0].mountPath: "data" is not an absolute path`);
    expect(bad((p) => (p.spec.containers[0].workingDir = "srv"))).toThrow(`${SRC}: spec.containers[0].workingDir: "srv" is not an absolute path`);
    expect(bad((p) => (p.spec.containers[0].securityContext = { capabilities: { add: ["net_admin", "CAP_SYS_TIME"], drop: ["ALL"] } }))).not.toThrow();
    expect(bad((p) => (p.spec.containers[0].securityContext = { capabilities: { drop: ["NET_FOO"] } }))).toThrow(
      `${SRC}: spec.containers[0].securityContext.capabilities.drop[0]: "NET_FOO" is not a Linux capability the Docker engine knows (it refuses CAP_NET_FOO: "unknown capability")`,
    );
    expect(bad((p) => (p.spec.containers[0].resources.limits.cpu = "5m"))).toThrow(`${SRC}: spec.containers[0].resources.limits.cpu: "5m" is below 10m`);
    expect(bad((p) => (p.spec.volumes = [{ name: "h", hostPath: { path: "var/log" } }]))).toThrow(`${SRC}: spec.volumes[0].hostPath.path: "var/log" is not an absolute path`);
  });
  it("leaves out a capability written with the CAP_ prefix, as Kubernetes' runtime does, on both platforms, with a warning naming it", () => {
    const pod: any = fooPod();
    pod.spec.containers[0].securityContext = { capabilities: { add: ["CAP_NET_ADMIN", "SYS_TIME"], drop: ["cap_chown"] } };
    for (const platform of ["docker", "kubernetes"] as const) {
      const read = podSpecFromManifest(pod, SRC, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform });
      expect(read.spec.containers[0].securityContext.capabilities).toEqual({ add: ["SYS_TIME"], drop: [] });
      expect(read.warnings).toEqual([
        `${SRC}: spec.containers[0].securityContext.capabilities.add[0]: "CAP_NET_ADMIN" is not added: the container runtime names capabilities without the CAP_ prefix and adds it itself (containerd asks for CAP_CAP_NET_ADMIN, which runc ignores); write "NET_ADMIN"`,
        `${SRC}: spec.containers[0].securityContext.capabilities.drop[0]: "cap_chown" is not dropped: the container runtime names capabilities without the CAP_ prefix and adds it itself (containerd asks for CAP_CAP_CHOWN, which runc ignores); write "CHOWN"`,
      ]);
    }
    expect(podSpecFromManifest(fooPod(), SRC, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" }).warnings).toEqual([]);
  });
  it("never refuses on the kubernetes platform what the API server accepts", () => {
    const pod: any = fooPod();
    pod.spec.containers[0].livenessProbe = { grpc: { port: 9090 } };
    pod.spec.containers[0].readinessProbe = { httpGet: { port: "not-declared" } };
    pod.spec.containers[0].lifecycle = { preStop: { tcpSocket: { port: 80 } } };
    pod.spec.containers[0].resources.limits.cpu = "5m";
    pod.spec.containers[0].image = "Registry.Example.com/App:1";
    pod.spec.containers[0].workingDir = "srv";
    pod.spec.containers[1].ports = [{ containerPort: 80 }];
    pod.spec.volumes = [{ name: "h", hostPath: { path: "relative" } }];
    pod.spec.containers[0].volumeMounts = [{ name: "h", mountPath: "data" }];
    const spec = model(pod, "kubernetes");
    expect(spec.containers[0].livenessProbe?.grpc).toEqual({ port: 9090, service: "" });
    expect(spec.containers[0].readinessProbe).toBeUndefined();
    expect(spec.containers[0].limits.cpuMillis).toBe(5);
  });
  it("refuses volumes it cannot render, and mounts of missing volumes", () => {
    expect(bad((p) => (p.spec.containers[0].volumeMounts = [{ name: "nope", mountPath: "/x" }]))).toThrow(`${SRC}: spec.containers[0].volumeMounts[0].name: "nope" is not the name of a volume in spec.volumes`);
    expect(bad((p) => (p.spec.volumes = [{ name: "c", configMap: { name: "missing" } }]))).toThrow(`${SRC}: spec.volumes[0].configMap.name: "missing" is not the name of a ConfigMap in the stack's manifests`);
    expect(bad((p) => (p.spec.volumes = [{ name: "h", hostPath: { path: "/dev/null", type: "CharDevice" } }]))).toThrow(`${SRC}: spec.volumes[0].hostPath.type: "CharDevice" is not supported on the docker platform`);
    expect(bad((p) => (p.spec.containers[0].securityContext = { runAsGroup: 5 }))).toThrow(`${SRC}: spec.containers[0].securityContext.runAsGroup: 5 needs runAsUser on Docker`);
  });
});
