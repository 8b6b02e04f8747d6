// Pod-level requests (PodLevelResources, beta and on in Kubernetes 1.34) on both stacks: the pod's
// CPU request is its cgroup's weight (cgroup v1 cpu.shares, millicores × 1024 / 1000; v2 cpu.weight),
// as the kubelet's ResourceConfigForPod sets it; a change of it updates the cgroup in place.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveKubernetesPod } from "../../host/live";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { cpuWeightFile, destroyAndCheck, wholePod } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `preq${run}`;

/**
 * The pod, with a pod-level CPU request, or without one: the API server then defaults it to the
 * containers' aggregated request (100m here), or without any to the pod-level limit.
 */
const pod = (cpuRequest?: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    resources: { ...(cpuRequest ? { requests: { cpu: cpuRequest, memory: "64Mi" } } : {}), limits: { cpu: "750m", memory: "256Mi" } },
    containers: [{ name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { requests: { cpu: "100m" }, limits: { memory: "64Mi" } } }],
  },
});

/** The CPU weight of the cgroup a process's cgroup sits in (the pod's), as cgroup v1 shares or v2 weight. */
const podCpuWeight = (pid: number) => readFileSync(cpuWeightFile(pid, "parent"), "utf8").trim();

describe("pod-level requests on the docker-host stack", () => {
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`preq-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod("500m")] });
    await stack.up();
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, name), 300_000);

  it("gives the pod's cgroup the request's weight, and changes it in place", async () => {
    const before = await wholePod(name, ["app"]);
    expect(podCpuWeight(before.members.app.pid)).toBe("512");
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [pod("250m")] });
    const preview = await stack.preview({ diff: true });
    expect(preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual([`update ${name}-cgroup`]);
    await stack.up();
    const after = await wholePod(name, ["app"]);
    expect(after.members.app.id).toBe(before.members.app.id);
    expect(podCpuWeight(after.members.app.pid)).toBe("256");
    // Without a request, the containers' aggregated request's weight (100m), as the API server defaults it.
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [pod()] });
    await stack.up();
    expect(podCpuWeight((await wholePod(name, ["app"])).members.app.pid)).toBe("102");
  }, 300_000);

  it("applies the same manifest unchanged on the local cluster: the same weight", async () => {
    const cluster = await ensureCluster();
    const kube = await ScratchStack.create(`preqk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod("500m")],
    });
    try {
      await kube.up();
      const live = await liveKubernetesPod(cluster, name);
      expect(podCpuWeight(live.containers.find((c) => c.name === "app")!.pid)).toBe("512");
      kube.setConfig({ platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod()] });
      await kube.up();
      const again = await liveKubernetesPod(cluster, name);
      expect(podCpuWeight(again.containers.find((c) => c.name === "app")!.pid)).toBe("102");
    } finally {
      await kube.dispose();
    }
  }, 400_000);
});
