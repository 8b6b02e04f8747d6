// A startup probe and an httpGet probe's headers, on both stacks from one manifest: a slow starter
// whose liveness probe would kill it at once is left alone until its startup probe passes, and an
// app is ready only when its probe sends the Authorization header httpbin's /bearer asks for.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { destroyAndCheck, statusOf } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `sp${run}`;
const STARTS_AFTER = 6;

const pod = {
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: "app", image: "docker.io/kennethreitz/httpbin", ports: [{ containerPort: 80 }], resources: { limits: { memory: "128Mi" } },
        readinessProbe: { httpGet: { path: "/bearer", port: 80, httpHeaders: [{ name: "Authorization", value: "Bearer podlab" }] }, periodSeconds: 1 },
      },
      {
        name: "slow", image: "curlimages/curl", resources: { limits: { memory: "32Mi" } },
        command: ["sh", "-c", `sleep ${STARTS_AFTER}; touch /tmp/started; exec sleep 3650d`],
        // Without the startup probe holding it, this liveness probe kills the container in a second.
        livenessProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1, failureThreshold: 1 },
        startupProbe: { exec: { command: ["test", "-f", "/tmp/started"] }, periodSeconds: 1, failureThreshold: 30 },
      },
    ],
  },
};

interface Seen { restarts: number; started: boolean; ready: boolean }
const view = (statuses: { name: string; restartCount: number; started?: boolean; ready: boolean }[]) =>
  Object.fromEntries(statuses.map((c) => [c.name, { restarts: c.restartCount, started: c.started === true, ready: c.ready }])) as Record<string, Seen>;
const EXPECTED = { app: { restarts: 0, started: true, ready: true }, slow: { restarts: 0, started: true, ready: true } };

describe("startup probes and probe headers, the same on both stacks", () => {
  let docker: ScratchStack;
  let kube: ScratchStack;
  const took: Record<string, number> = {};

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const cluster = await ensureCluster();
    docker = await ScratchStack.create(`spd-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod] });
    kube = await ScratchStack.create(`spk-${run}`, { platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod] });
    await Promise.all([["docker", docker], ["kube", kube]].map(async ([k, s]) => {
      const t0 = Date.now();
      await (s as ScratchStack).up();
      took[k as string] = (Date.now() - t0) / 1000;
    }));
  }, 600_000);

  afterAll(async () => {
    await destroyAndCheck(docker, name);
    await kube?.dispose();
  }, 300_000);

  it("on the docker-host stack: `up` waits for the startup probe, and liveness never killed the slow starter", async () => {
    expect(took.docker).toBeGreaterThan(STARTS_AFTER);
    expect(view((await statusOf(name)).containerStatuses)).toEqual(EXPECTED);
  });

  it("on the local cluster: the kubelet does the same with the same manifest", async () => {
    expect(took.kube).toBeGreaterThan(STARTS_AFTER);
    const { stdout } = await kubectl(await ensureCluster(), "get", "pod", name, "-o", "json");
    expect(view(JSON.parse(stdout).status.containerStatuses)).toEqual(EXPECTED);
  });
});
