// Every feature of a Pod manifest the docker platform renders, checked on the live host (/proc,
// /sys/fs/cgroup, inside the containers); and the same manifest's layout on Kubernetes matching it.
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareLayouts, unexpected } from "../../components/model/compare";
import { liveKubernetesPod } from "../../host/live";
import { cgroupPaths, namespaceInodes } from "../../host/proc";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { expectNothingLeft, httpStatus, wholePod } from "./pod-health";
import { waitFor } from "./wait";

const TOP = resolve(__dirname, "../..");
const run = Math.random().toString(36).slice(2, 7);
const name = `mf${run}`;
const port = 20000 + Math.floor(Math.random() * 10000);
const hostDir = `/tmp/podlab-mf-${run}`;

/** A pod using every rendered feature: the walkthrough's two containers, dressed up. */
function featurePod(): object[] {
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-conf` }, data: { "greeting.txt": "hello from a ConfigMap\n" } };
  const noKeys = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-none` } };
  const envConfig = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-env` }, data: { MODE: "live", greeting: "$(GREETING)" } };
  const pod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "features" } },
    spec: {
      hostname: "podlab-web",
      shareProcessNamespace: true,
      terminationGracePeriodSeconds: 2,
      nodeSelector: { "kubernetes.io/os": "linux" },
      // The runtime's default seccomp profile for every container unless it says otherwise.
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      volumes: [
        { name: "scratch", emptyDir: {} },
        { name: "conf", configMap: { name: `${name}-conf` } },
        { name: "host", hostPath: { path: hostDir, type: "DirectoryOrCreate" } },
        { name: "none", configMap: { name: `${name}-none` } },
      ],
      initContainers: [
        { name: "prepare", image: "curlimages/curl", command: ["sh", "-c", "echo prepared > /scratch/prepared"], volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] },
      ],
      containers: [
        {
          name: "app",
          image: "docker.io/kennethreitz/httpbin",
          env: [{ name: "GREETING", value: "hi" }, { name: "TARGET", value: "pod" }, { name: "BOTH", value: "$(GREETING) $(TARGET), $$(KEPT)" }],
          workingDir: "/tmp",
          ports: [{ containerPort: 80, hostPort: port }],
          resources: { limits: { memory: "256Mi", cpu: "500m" }, requests: { memory: "64Mi", cpu: "250m" } },
          // Root, but only with the capability gunicorn needs to bind port 80.
          securityContext: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "SETUID", "SETGID", "CHOWN"] }, seccompProfile: { type: "Unconfined" } },
          volumeMounts: [{ name: "scratch", mountPath: "/scratch" }, { name: "conf", mountPath: "/etc/podlab" }, { name: "host", mountPath: "/hostdata", readOnly: true }],
        },
        {
          name: "sidecar",
          image: "curlimages/curl",
          command: ["sh", "-c", "echo written-by-sidecar > /scratch/note; exec sleep 3650d"],
          resources: { limits: { memory: "128Mi" } },
          securityContext: { runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
          envFrom: [{ configMapRef: { name: `${name}-env` }, prefix: "CM_" }, { configMapRef: { name: `${name}-absent`, optional: true } }],
          env: [
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "APP_LABEL", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "MEMORY_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
            { name: "APP_CPU_M", valueFrom: { resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1m" } } },
            { name: "MODE", valueFrom: { configMapKeyRef: { name: `${name}-env`, key: "MODE" } } },
            { name: "GONE", valueFrom: { configMapKeyRef: { name: `${name}-env`, key: "absent", optional: true } } },
            { name: "SAID", value: "$(CM_MODE)-$(MODE)" },
          ],
          volumeMounts: [{ name: "scratch", mountPath: "/scratch" }, { name: "none", mountPath: "/etc/none" }],
        },
      ],
    },
  };
  return [configMap, noKeys, envConfig, pod];
}

/** no_new_privs and the seccomp mode (0 none, 2 filter) of a process, from /proc/<pid>/status. */
function securityOf(pid: number): { noNewPrivs: string; seccomp: string } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return { noNewPrivs: /^NoNewPrivs:\s*(\d)/m.exec(status)![1], seccomp: /^Seccomp:\s*(\d)/m.exec(status)![1] };
}
/** What the kernel applies to the app (seccomp Unconfined) and the sidecar (RuntimeDefault, no escalation). */
const EXPECTED_SECURITY = { app: { noNewPrivs: "0", seccomp: "0" }, sidecar: { noNewPrivs: "1", seccomp: "2" } };

/** The sidecar's variables from envFrom and valueFrom, as the kubelet sets them; NODE_NAME is the platform's node. */
const EXPECTED_ENV = {
  CM_MODE: "live", CM_greeting: "$(GREETING)", POD_NAME: name, POD_NAMESPACE: "default", APP_LABEL: "features",
  MEMORY_MI: "128", APP_CPU_M: "500", MODE: "live", SAID: "live-live",
};
/** A process's environment (/proc/<pid>/environ), limited to the names asked for, and NODE_NAME and GONE. */
function environOf(pid: number): Record<string, string> {
  const all = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  return Object.fromEntries(Object.entries(all).filter(([k]) => k in EXPECTED_ENV || k === "NODE_NAME" || k === "GONE" || k.startsWith("CM_")));
}

const exec = async (container: string, ...cmd: string[]) => (await execa("docker", ["exec", `${name}-${container}`, ...cmd])).stdout;

describe("a manifest's features on the docker-host stack", () => {
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(`${hostDir}/from-host.txt`, "on the host\n");
    stack = await ScratchStack.create(`mf-${run}`, { platform: "docker", cgroupDriver: "auto", pods: featurePod() });
    await stack.up();
  }, 600_000);

  afterAll(async () => {
    await stack?.destroy();
    await expectNothingLeft(name);
    expect(existsSync(`/var/lib/podlab/pods/${name}`), "the pod's volume directory").toBe(false);
    await stack?.dispose();
    rmSync(hostDir, { recursive: true, force: true });
  }, 300_000);

  it("says which fields it left to Kubernetes", async () => {
    const { stdout } = await stack.preview();
    expect(stdout).toContain(`pod ${name}: spec.nodeSelector is Kubernetes-only, left out on the docker platform`);
    expect(stdout).toContain(`pod ${name}: metadata.labels is Kubernetes-only`);
  }, 120_000);

  it("publishes the hostPort, and the app answers", async () => {
    await waitFor("the app on its host port", async () => expect(await httpStatus(port)).toBe(200));
  });

  it("sets env in order, workingDir, and the pod's hostname", async () => {
    expect(await exec("app", "sh", "-c", 'echo "$GREETING $TARGET"; pwd')).toBe("hi pod\n/tmp");
    // Kubernetes' $(VAR) expansion, which Docker does not do: podlab does it.
    expect(await exec("app", "printenv", "BOTH")).toBe("hi pod, $(KEPT)");
    expect(await exec("sidecar", "cat", "/proc/sys/kernel/hostname")).toBe("podlab-web");
  });

  it("sets env from a ConfigMap (envFrom with a prefix, configMapKeyRef) and the downward API, as the kubelet does", async () => {
    const pod = await wholePod(name, ["app", "sidecar"]);
    // The Docker host is the node: its name is what `docker info` calls it.
    const node = (await execa("docker", ["info", "--format", "{{.Name}}"])).stdout;
    expect(environOf(pod.members.sidecar.pid)).toEqual({ ...EXPECTED_ENV, NODE_NAME: node });
  });

  it("turns limits into quota and memory limit, requests into cpu.shares and memory reservation", async () => {
    const pod = await wholePod(name, ["app", "sidecar"]);
    const app = pod.members.app;
    const cg = cgroupPaths(app.pid);
    const read = (controller: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}${cg[controller]}/${file}`, "utf8").trim();
    expect(read("memory", "memory.limit_in_bytes")).toBe(String(256 * 2 ** 20));
    expect(read("memory", "memory.soft_limit_in_bytes")).toBe(String(64 * 2 ** 20));
    expect(read("cpu", "cpu.cfs_quota_us")).toBe("50000");
    expect(read("cpu", "cpu.shares")).toBe("256"); // the kubelet's 250m × 1024 / 1000
  });

  it("shares the sandbox's PID namespace: pause is PID 1 in every member, and reaps orphans", async () => {
    const pod = await wholePod(name, ["app", "sidecar"]);
    const sandboxPid = namespaceInodes(pod.sandbox.pid).pid;
    for (const m of ["app", "sidecar"]) expect(namespaceInodes(pod.members[m].pid).pid, m).toBe(sandboxPid);
    const ps = await exec("sidecar", "ps", "-eo", "pid,comm");
    expect(ps).toMatch(/^\s*1 pause$/m);
    expect(ps).toMatch(/gunicorn/); // the app's processes, seen from the sidecar
    // An orphan is reparented to pause, which must reap it when it exits: no zombie stays.
    await exec("sidecar", "sh", "-c", "(sleep 1 &) ; true");
    await new Promise((r) => setTimeout(r, 2500));
    expect(await exec("sidecar", "ps", "-eo", "stat,comm")).not.toMatch(/^Z/m);
  });

  it("shares an emptyDir between the members, mounts the ConfigMap read-only and the host path", async () => {
    expect(await exec("app", "cat", "/scratch/note")).toBe("written-by-sidecar");
    expect(await exec("app", "cat", "/scratch/prepared")).toBe("prepared"); // by the init container, first
    expect(await exec("app", "cat", "/etc/podlab/greeting.txt")).toBe("hello from a ConfigMap");
    const write = await execa("docker", ["exec", `${name}-app`, "sh", "-c", "echo x > /etc/podlab/new"], { reject: false });
    expect(write.exitCode).not.toBe(0);
    expect(await exec("app", "cat", "/hostdata/from-host.txt")).toBe("on the host");
    expect((await execa("stat", ["-c", "%a", `/var/lib/podlab/pods/${name}/volumes/empty-dir/scratch`])).stdout).toBe("777");
  });

  it("applies securityContext: user and group, a read-only root, capabilities", async () => {
    expect(await exec("sidecar", "id", "-u")).toBe("1000");
    expect(await exec("sidecar", "id", "-g")).toBe("1000");
    const touch = await execa("docker", ["exec", `${name}-sidecar`, "touch", "/x"], { reject: false });
    expect(touch.stderr).toMatch(/Read-only file system/);
    // CapEff of the app's PID 1: NET_BIND_SERVICE (10), SETUID (7), SETGID (6), CHOWN (0) only.
    const status = await exec("app", "cat", "/proc/self/status");
    expect(/CapBnd:\s*([0-9a-f]+)/.exec(status)![1]).toBe(((1 << 10) | (1 << 7) | (1 << 6) | 1).toString(16).padStart(16, "0"));
  });

  it("applies allowPrivilegeEscalation: false and the seccomp profiles, the container's over the pod's", async () => {
    const pod = await wholePod(name, ["app", "sidecar"]);
    expect({ app: securityOf(pod.members.app.pid), sidecar: securityOf(pod.members.sidecar.pid) }).toEqual(EXPECTED_SECURITY);
  });

  it("gives each container the pod's termination grace period as its stop timeout", async () => {
    const { stdout } = await execa("docker", ["inspect", "--format", "{{.Config.StopTimeout}}", `${name}-app`, `${name}-sidecar`]);
    expect(stdout.split("\n")).toEqual(["2", "2"]);
  });

  it("updates a ConfigMap's files in place, without replacing a container", async () => {
    const before = await wholePod(name, ["app", "sidecar"]);
    const docs = featurePod() as any[];
    docs[0].data["greeting.txt"] = "hello again\n";
    // A ConfigMap without keys: no file, only the kubelet's ..data link and its timestamped folder.
    expect((await exec("sidecar", "ls", "-A", "/etc/none"))).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}\n\.\.data$/);
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: docs });
    const preview = await stack.preview();
    expect(preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual([`update ${name}-volumes`]);
    await stack.up();
    expect(await exec("app", "cat", "/etc/podlab/greeting.txt")).toBe("hello again");
    const after = await wholePod(name, ["app", "sidecar"]);
    expect(after.members.app.id).toBe(before.members.app.id);
  }, 300_000);

  it("replaces the containers when a ConfigMap their env reads changes: they start with the new values", async () => {
    const before = await wholePod(name, ["app", "sidecar"]);
    const docs = featurePod() as any[];
    docs[2].data.MODE = "changed";
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: docs });
    await stack.up();
    const after = await wholePod(name, ["app", "sidecar"]);
    expect(after.members.sidecar.id).not.toBe(before.members.sidecar.id);
    expect(environOf(after.members.sidecar.pid)).toMatchObject({ CM_MODE: "changed", MODE: "changed", SAID: "changed-changed" });
  }, 300_000);

  it("gives a replaced pod new emptyDirs, as a new Pod gets", async () => {
    await exec("app", "touch", "/scratch/marker");
    const docs = featurePod() as any[];
    docs[3].spec.containers[0].env.push({ name: "CHANGED", value: "1" });
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: docs });
    await stack.up();
    expect((await execa("docker", ["exec", `${name}-app`, "ls", "/scratch"])).stdout.split("\n").sort()).toEqual(["note", "prepared"]);
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: featurePod() });
    await stack.up();
  }, 300_000);

  it("exports a layout the Kubernetes stack's layout of the same manifest matches, but for the platforms' differences", async () => {
    const cluster = await ensureCluster();
    // The same manifest, but for the host port: the docker pod holds it on this very host.
    const docs = featurePod() as any[];
    delete docs[3].spec.containers[0].ports[0].hostPort;
    const kube = await ScratchStack.create(`mfk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: docs,
    });
    try {
      await kube.up();
      const [kubeLayout] = (await kube.outputs()).layouts;
      const [docker] = (await stack.outputs()).layouts;
      for (const layout of [docker, kubeLayout]) {
        const app = layout.containers.find((c: any) => c.name === "app");
        expect(app.mounts, layout.platform).toEqual(["conf:/etc/podlab:ro", "host:/hostdata:ro", "scratch:/scratch"]);
        expect(app.namespaces.pid, layout.platform).toBe("sandbox");
      }
      expect(unexpected(compareLayouts(docker, kubeLayout))).toEqual([]);
      expect(docker.containers.map((c: any) => `${c.name}${c.init ? " (init)" : ""}`)).toEqual(["prepare (init)", "app", "sidecar"]);
      // And live: namespaces by inode, with PID shared on both platforms, mounts and the init container.
      const files = { docker: join(stack.dir, "layouts.json"), kube: join(kube.dir, "layouts.json") };
      writeFileSync(files.docker, JSON.stringify([docker]));
      writeFileSync(files.kube, JSON.stringify([kubeLayout]));
      const live = await execa("npx", ["tsx", "scripts/compare.ts", "--live", "--left-file", files.docker, "--right-file", files.kube], { cwd: TOP, reject: false, all: true });
      expect(live.exitCode, live.all).toBe(0);
      expect(live.stdout).toMatch(/app\s+│ pid ns\s+│ sandbox \d+\s+│ sandbox \d+\s+│ same/);
      expect(live.stdout).toMatch(/app\s+│ mounts\s+│ conf:\/etc\/podlab:ro\s.*│ conf:\/etc\/podlab:ro\s.*│ same/);
      expect(live.stdout).toMatch(/prepare \(init\)\s+│ image/);
      // The environment, compared by value and shown by name: the node's name and Kubernetes' Service
      // variables are the platforms' (exit 0 above: nothing else differs).
      expect(live.stdout).toMatch(/│ sidecar\s+│ env\s+│ \d+ variables\s+│ \d+ variables\s+│ KUBERNETES_PORT/);
      // The kubelet applies the same no_new_privs bit and seccomp modes to the same manifest.
      const k = await liveKubernetesPod(cluster, name);
      const pidOf = (c: string) => k.containers.find((x) => x.name === c)!.pid;
      expect({ app: securityOf(pidOf("app")), sidecar: securityOf(pidOf("sidecar")) }).toEqual(EXPECTED_SECURITY);
      // And the same environment from the same ConfigMap and downward API, but for the node's name.
      expect(environOf(pidOf("sidecar"))).toEqual({ ...EXPECTED_ENV, NODE_NAME: cluster.PODLAB_K8S_NODE });
    } finally {
      await kube.dispose();
    }
  }, 400_000);
});
