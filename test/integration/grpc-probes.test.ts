// gRPC probes on both stacks (grpc.health.v1.Health/Check, the kubelet's pkg/probe/grpc): a readiness
// probe that follows the server's health (SERVING, then NOT_SERVING, then SERVING again), and a
// liveness probe of a service the server does not know, which fails and restarts its container.
import execa from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { until } from "./wait";
import { destroyAndCheck, statusOf } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `grpc${run}`;
const image = "podlab/grpc-health:0.1";

const grpcPod = () => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      { name: "server", image, resources: { limits: { memory: "32Mi" } }, ports: [{ containerPort: 9090 }],
        readinessProbe: { grpc: { port: 9090, service: "app" }, periodSeconds: 1, failureThreshold: 1 } },
      // Its own server is healthy; the service it names does not exist there: NOT_FOUND fails the probe.
      { name: "unknown", image, resources: { limits: { memory: "32Mi" } }, command: ["sleep", "3650d"],
        livenessProbe: { grpc: { port: 9090, service: "nope" }, periodSeconds: 1, failureThreshold: 2 } },
    ],
  },
});


/** What both platforms must show: the server's readiness, and the unknown service's restarts. */
type Seen = { serverReady: boolean; restarted: boolean };
const seen = (s: { containerStatuses: { name: string; ready: boolean; restartCount: number }[] }): Seen => ({
  serverReady: s.containerStatuses.find((c) => c.name === "server")!.ready,
  restarted: s.containerStatuses.find((c) => c.name === "unknown")!.restartCount > 0,
});

/** The health of the server flipped from inside its container, and back, as each platform reads it. */
async function followsHealth(exec: (...cmd: string[]) => Promise<unknown>, status: () => Promise<Parameters<typeof seen>[0]>): Promise<void> {
  expect(seen(await until("ready, and the unknown service restarted", status, (s) => seen(s).serverReady && seen(s).restarted))).toEqual({ serverReady: true, restarted: true });
  await exec("touch", "/tmp/not-serving");
  expect(seen(await until("NOT_SERVING: not ready", status, (s) => !seen(s).serverReady)).serverReady).toBe(false);
  await exec("rm", "/tmp/not-serving");
  expect(seen(await until("SERVING again: ready", status, (s) => seen(s).serverReady)).serverReady).toBe(true);
}

describe("gRPC probes on the docker-host stack", () => {
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`grpc-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [grpcPod()] });
    // Ready once the server's readiness probe passes: the other container's liveness probe fails later.
    await stack.up();
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, name), 300_000);

  it("follows the server's health, and restarts the container whose service is unknown", async () => {
    await followsHealth((...cmd) => execa("docker", ["exec", `${name}-server`, ...cmd]), () => statusOf(name));
  }, 180_000);

  it("applies the same manifest unchanged on the local cluster: the same judgements", async () => {
    const cluster = await ensureCluster();
    await execa("sh", ["-c", `kubectl --kubeconfig "$0" --context "$1" apply -f -`, cluster.KUBECONFIG, cluster.PODLAB_K8S_CONTEXT], { input: JSON.stringify(grpcPod()) });
    try {
      await followsHealth((...cmd) => kubectl(cluster, "exec", name, "-c", "server", "--", ...cmd),
        async () => JSON.parse((await kubectl(cluster, "get", "pod", name, "-o", "json")).stdout).status);
    } finally {
      await kubectl(cluster, "delete", "pod", name, "--wait=false").catch(() => undefined);
    }
  }, 240_000);
});
