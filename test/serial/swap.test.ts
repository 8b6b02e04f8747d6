// A container over its memory limit on a host with swap: the kubelet gives it no swap (its swap limit
// is its memory limit), so the kernel OOM-kills it; Docker's default would let it sit in swap. The
// test makes a swapfile and removes it after; it runs with the suites that disturb the host, alone.
import execa from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "../integration/cluster";
import { until } from "../integration/wait";

const run = Math.random().toString(36).slice(2, 7);
const swapfile = `/var/tmp/podlab-swap-${run}`;

/** A pod whose one container touches 80 MiB under a 64Mi limit (less than the 128 MiB of memory and swap Docker would allow by default), then sleeps. */
const hog = (name: string, image: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: {
    restartPolicy: "Never", terminationGracePeriodSeconds: 1,
    containers: [{
      name: "hog", image, resources: { limits: { memory: "64Mi" } },
      command: ["python3", "-c", "import time\nb = bytearray(80 * 2**20)\nprint('allocated', flush=True)\ntime.sleep(3600)"],
      // Never Ready: an await must not call it ready in the instant before the kernel kills it.
      readinessProbe: { exec: { command: ["false"] }, periodSeconds: 1 },
    }],
  },
});

describe("a container over its memory limit on a host with swap", () => {
  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    await execa("dd", ["if=/dev/zero", `of=${swapfile}`, "bs=1M", "count=512", "status=none"]);
    await execa("chmod", ["600", swapfile]);
    await execa("mkswap", [swapfile]);
    await execa("swapon", [swapfile]);
  }, 120_000);

  afterAll(async () => {
    await execa("swapoff", [swapfile]).catch(() => undefined);
    await execa("rm", ["-f", swapfile]);
  }, 120_000);

  it("is OOM-killed on the docker-host stack, and `up` says so", async () => {
    const name = `swap${run}`;
    const stack = await ScratchStack.create(`swap-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [hog(name, "docker.io/kennethreitz/httpbin")], readyTimeout: "90s" });
    try {
      const up = await stack.up().then(() => undefined, (e) => e);
      expect(up, "up succeeded: the container sat in swap").toBeDefined();
      expect(String(up.all ?? up.stdout)).toMatch(/OOMKilled/);
      const { stdout } = await execa("docker", ["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.State.OOMKilled}}", `${name}-hog`]);
      expect(stdout).toBe(`${64 * 2 ** 20} ${64 * 2 ** 20} true`);
    } finally {
      await stack.dispose();
    }
  }, 300_000);

  it("is OOM-killed on the local cluster, from the same manifest", async () => {
    const cluster = await ensureCluster();
    const name = `swapk${run}`;
    const manifest = JSON.stringify(hog(name, "podlab/httpbin:0.1"));
    await execa("sh", ["-c", `kubectl --kubeconfig "$0" --context "$1" apply -f -`, cluster.KUBECONFIG, cluster.PODLAB_K8S_CONTEXT], { input: manifest });
    try {
      const st = await until("the container's end", async () => JSON.parse((await kubectl(cluster, "get", "pod", name, "-o", "json")).stdout).status,
        (s) => s.containerStatuses?.[0]?.state?.terminated !== undefined, 120);
      expect(st.containerStatuses[0].state.terminated.reason).toBe("OOMKilled");
    } finally {
      await kubectl(cluster, "delete", "pod", name, "--wait=false").catch(() => undefined);
    }
  }, 200_000);
});
