// The minikube stack (platform kubernetes) through the real Pulumi engine, on podlab's local
// single-node Kubernetes (scripts/local-cluster: etcd, kube-apiserver, controller-manager, scheduler,
// kubelet and containerd as host processes), checked against what the container runtime (crictl) and
// the kernel (/proc, /sys/fs/cgroup) report.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CriContainer, CriSandbox, kubectl, LocalCluster,
  podContainerIds, podSandboxes, sandboxContainers,
} from "../../host/cri";
import { cgroupDirs, cgroupPaths, memoryLimit, namespaceInodes } from "../../host/proc";
import { changes, requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { quickStoppingPod, secondRun } from "./fixtures";
import { waitFor } from "./wait";

const run = Math.random().toString(36).slice(2, 7);
const MIB = 2 ** 20;

const pod = quickStoppingPod;


describe("minikube stack on the local Kubernetes", () => {
  const name = `mk${run}a`;
  let cluster: LocalCluster;
  let stack: ScratchStack;
  let sandbox: CriSandbox;
  let members: CriContainer[];
  const member = (n: string) => members.find((c) => c.name === n)!;
  const config = () => ({
    platform: "kubernetes",
    kubeconfig: cluster.KUBECONFIG,
    context: cluster.PODLAB_K8S_CONTEXT,
    namespace: "default",
    readyTimeout: "3m",
    pods: [pod(name)],
  });

  beforeAll(async () => {
    await requireTools("pulumi");
    cluster = await ensureCluster();
    stack = await ScratchStack.create(`mk-${run}`, config());
    await stack.up();
    const sandboxes = await podSandboxes(cluster, name);
    expect(sandboxes.length, "pod sandboxes of the pod").toBeGreaterThan(0);
    sandbox = sandboxes[0];
    members = await sandboxContainers(cluster, sandbox.id);
  }, 600_000);

  afterAll(async () => {
    await stack?.dispose();
  }, 300_000);

  it("runs the Pod: Running, Ready, both containers ready", async () => {
    const { stdout } = await kubectl(cluster, "get", "pod", name, "--namespace", "default", "-o", "json");
    const p = JSON.parse(stdout);
    expect(p.status.phase).toBe("Running");
    expect(p.status.conditions.find((c: any) => c.type === "Ready")?.status).toBe("True");
    expect(p.status.containerStatuses.map((c: any) => [c.name, c.ready]).sort()).toEqual([["app", true], ["sidecar", true]]);
    expect(p.spec.nodeName).toBe(cluster.PODLAB_K8S_NODE);
    expect(sandbox.state).toBe("SANDBOX_READY");
    expect(sandbox.uid).toBe(p.metadata.uid);
    expect(members.map((c) => [c.name, c.state])).toEqual([["app", "CONTAINER_RUNNING"], ["sidecar", "CONTAINER_RUNNING"]]);
  });

  it("holds the pod's namespaces in podlab's own pause container", async () => {
    expect(sandbox.image).toBe("docker.io/podlab/pause:0.1");
    expect(sandbox.pid).toBeGreaterThan(0);
    expect(member("app").image).toBe("docker.io/podlab/httpbin:0.1");
    expect(member("sidecar").image).toBe("docker.io/podlab/curl:0.1");
  });

  it("shares net, IPC and UTS with the pause container, and keeps pid and mnt private (/proc inodes)", async () => {
    const pause = namespaceInodes(sandbox.pid);
    for (const m of ["app", "sidecar"]) {
      const ns = namespaceInodes(member(m).pid);
      expect(ns.net, `${m} net`).toBe(pause.net);
      expect(ns.ipc, `${m} ipc`).toBe(pause.ipc);
      expect(ns.uts, `${m} uts`).toBe(pause.uts);
      expect(ns.pid, `${m} pid`).not.toBe(pause.pid);
      expect(ns.mnt, `${m} mnt`).not.toBe(pause.mnt);
    }
  });

  it("joins the pause container's namespaces in the OCI spec (crictl inspect)", async () => {
    for (const m of ["app", "sidecar"]) {
      const byType = Object.fromEntries(member(m).namespaces.map((n) => [n.type, n.path]));
      expect(byType.network, `${m} network`).toBe(`/proc/${sandbox.pid}/ns/net`);
      expect(byType.ipc, `${m} ipc`).toBe(`/proc/${sandbox.pid}/ns/ipc`);
      expect(byType.uts, `${m} uts`).toBe(`/proc/${sandbox.pid}/ns/uts`);
      expect(byType.pid, `${m} pid`).toBeUndefined(); // a new pid namespace of its own
    }
  });

  it("puts the containers under the kubelet's pod cgroup with their memory limits", async () => {
    const podCgroup = new RegExp(`^/kubepods(/burstable|/besteffort)?/pod${sandbox.uid}$`);
    expect(sandbox.cgroupParent).toMatch(podCgroup);
    for (const c of [...members, { name: "pause", id: sandbox.id, pid: sandbox.pid }]) {
      const paths = cgroupPaths(c.pid);
      // cgroup v1 (this host): the memory and cpu hierarchies; cgroup v2: the single one ("").
      for (const controller of paths.memory !== undefined ? ["memory", "cpu"] : [""]) {
        expect(paths[controller], `${c.name} ${controller || "v2"} cgroup`).toBe(`${sandbox.cgroupParent}/${c.id}`);
      }
    }
    expect(cgroupDirs(sandbox.cgroupParent).length).toBeGreaterThan(0);
    expect(memoryLimit(member("app").pid)).toBe(256 * MIB);
    expect(memoryLimit(member("sidecar").pid)).toBe(128 * MIB);
    expect(member("app").memoryLimit).toBe(256 * MIB);
    expect(member("sidecar").memoryLimit).toBe(128 * MIB);
  });

  it("lets the sidecar reach the app on localhost", async () => {
    const body = await waitFor("httpbin answering", async () =>
      (await kubectl(cluster, "exec", name, "--namespace", "default", "-c", "sidecar", "--",
        "curl", "-sf", "--max-time", "5", "http://localhost:80/get")).stdout);
    expect(JSON.parse(body).url).toBe("http://localhost/get");
  });

  it("exports the layout it built", async () => {
    const { layouts } = await stack.outputs();
    expect(layouts.map((l: any) => l.pod)).toEqual([name]);
    expect(layouts[0]).toMatchObject({ platform: "kubernetes", sandbox: "pause container" });
    expect(layouts[0].containers[0]).toMatchObject({
      name: "app", image: "podlab/httpbin:0.1", memoryBytes: 256 * MIB,
      namespaces: { net: "sandbox", ipc: "sandbox", uts: "sandbox", pid: "own", mnt: "own" },
    });
  });

  it("previews no changes and updates nothing on a second up", async () => {
    expect(await secondRun(stack)).toEqual({ planned: {}, upExitCode: 0 });
  }, 300_000);

  it("replaces the Pod cleanly when a limit changes", async () => {
    const before = sandbox.uid;
    const changed = pod(name);
    changed.spec!.containers[1].resources!.limits!.memory = "96Mi";
    stack.setConfig({ ...config(), pods: [changed] });
    const preview = await stack.preview({ diff: true });
    expect(changes(preview)).toMatchObject({ replace: 1 });
    await stack.up();
    const [now] = await podSandboxes(cluster, name);
    expect(now.uid).not.toBe(before);
    sandbox = now;
    members = await sandboxContainers(cluster, now.id);
    expect(memoryLimit(member("sidecar").pid)).toBe(96 * MIB);
    expect(memoryLimit(member("app").pid)).toBe(256 * MIB);
  }, 600_000);

  it("removes the Pod, its containers and its cgroup on destroy", async () => {
    const pids = [sandbox.pid, ...members.map((c) => c.pid)];
    await stack.destroy();
    const get = await kubectl(cluster, "get", "pod", name, "--namespace", "default", "--ignore-not-found", "-o", "name");
    expect(get.stdout, "the Pod object").toBe("");
    await waitFor("the pod's sandbox and containers gone from containerd", async () => {
      const left = [...(await podSandboxes(cluster, name)).map((s) => s.id), ...(await podContainerIds(cluster, name))];
      if (left.length) throw new Error(`still there: ${left.join(" ")}`);
    }, 90);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`), `process ${pid}`).toBe(false);
    await waitFor("the pod's cgroup removed by the kubelet", async () => {
      const dirs = cgroupDirs(sandbox.cgroupParent);
      if (dirs.length) throw new Error(`still there: ${dirs.join(" ")}`);
    }, 90);
  }, 300_000);
});

describe("minikube stack with a Pod that never gets ready", () => {
  let stack: ScratchStack;
  afterAll(async () => stack?.dispose(), 300_000);

  it("fails `pulumi up` after the configured timeout, with the kubelet's reason", async () => {
    await requireTools("pulumi");
    const cluster = await ensureCluster();
    const broken = pod(`mk${run}b`);
    broken.spec!.containers[0].image = "podlab/not-built:0.1"; // not in the node, and no registry to pull from
    stack = await ScratchStack.create(`mk-${run}-broken`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "40s", pods: [broken],
    });
    const t0 = Date.now();
    const result = await stack.up().catch((e) => e);
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(result.all).toContain("podlab/not-built:0.1");
    // The 40 s hold however often the Pod's status changes (pulumi-kubernetes restarted its timer at
    // every Pod event: 160 s here before podlab's pod-await-deadline.patch).
    expect(Date.now() - t0).toBeLessThan(80_000);
  }, 300_000);
});

