// Sidecar containers (init containers with restartPolicy: Always, Kubernetes 1.29+) on both stacks:
// started in order among the init containers and not awaited, kept running (restarted when they
// exit, whatever the pod's restartPolicy), Ready by their readiness probe, and stopped once the app
// containers have completed for good, the pod then Succeeded. The same manifests on the local
// cluster give the same statuses.
import execa from "execa";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentContainerStatus, stateName } from "../../host/agent";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { until } from "./wait";
import { destroyAndCheck, statusOf } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const kept = `sck${run}`;
const done = `scd${run}`;

const curl = "curlimages/curl";
const proxy = (extra: object = {}) => ({
  name: "proxy", image: curl, restartPolicy: "Always", resources: { limits: { memory: "32Mi" } },
  command: ["sh", "-c", "date +%s%N > /shared/proxy-started; exec sleep 3650d"],
  readinessProbe: { exec: { command: ["test", "-f", "/shared/proxy-started"] }, periodSeconds: 1 },
  volumeMounts: [{ name: "shared", mountPath: "/shared" }], ...extra,
});

/** A pod that keeps running: the sidecar, then an init container that needs it running, then the app. */
const keptPod = () => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: kept },
  spec: {
    terminationGracePeriodSeconds: 1,
    volumes: [{ name: "shared", emptyDir: {} }],
    initContainers: [
      proxy(),
      // Runs only if the sidecar runs: a sidecar awaited to completion would block it for ever.
      { name: "setup", image: curl, resources: { limits: { memory: "32Mi" } }, volumeMounts: [{ name: "shared", mountPath: "/shared" }],
        command: ["sh", "-c", "for i in $(seq 100); do test -f /shared/proxy-started && break; sleep 0.1; done; test -f /shared/proxy-started && echo saw-proxy > /shared/setup"] },
    ],
    containers: [{ name: "app", image: curl, resources: { limits: { memory: "32Mi" } }, volumeMounts: [{ name: "shared", mountPath: "/shared" }], command: ["sleep", "3650d"] }],
  },
});

/** A pod whose app completes: the sidecar is stopped after it, and the pod Succeeded. */
const donePod = () => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: done },
  spec: {
    restartPolicy: "Never", terminationGracePeriodSeconds: 1,
    volumes: [{ name: "shared", emptyDir: {} }],
    initContainers: [proxy()],
    containers: [{ name: "app", image: curl, resources: { limits: { memory: "32Mi" } }, command: ["sh", "-c", "sleep 8"] }],
  },
});

/** A status as the test compares it on both platforms: each container's state, reason, ready and started. */
type Seen = { phase: string; inits: string[]; containers: string[] };
const line = (c: { name: string; state: AgentContainerStatus["state"]; ready: boolean; started?: boolean }) => {
  const kind = stateName(c.state);
  const reason = c.state.terminated?.reason ?? c.state.waiting?.reason;
  return `${c.name} ${kind}${kind === "terminated" && reason === "Completed" ? " Completed" : ""} ready=${c.ready} started=${c.started ?? false}`;
};
const seenOf = (s: { phase: string; initContainerStatuses?: any[]; containerStatuses: any[] }): Seen =>
  ({ phase: s.phase, inits: (s.initContainerStatuses ?? []).map(line), containers: s.containerStatuses.map(line) });


const KEPT: Seen = {
  phase: "Running",
  inits: ["proxy running ready=true started=true", "setup terminated Completed ready=true started=false"],
  containers: ["app running ready=true started=true"],
};
const DONE: Seen = { phase: "Succeeded", inits: ["proxy terminated ready=false started=false"], containers: ["app terminated Completed ready=false started=false"] };

const netns = (pid: number) => readFileSync(`/proc/${pid}/stat`) && execa("readlink", [`/proc/${pid}/ns/net`]).then((r) => r.stdout);
const pidOf = async (container: string) => Number((await execa("docker", ["inspect", "-f", "{{.State.Pid}}", container])).stdout);

describe("sidecar containers on the docker-host stack", () => {
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`sc-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [keptPod(), donePod()] });
    await stack.up();
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, kept, done), 300_000);

  it("starts the sidecar first and does not await it: the next init container ran beside it", async () => {
    expect((await execa("docker", ["exec", `${kept}-app`, "cat", "/shared/setup"])).stdout).toBe("saw-proxy");
    const st = await until("the pod's status", () => statusOf(kept), (s) => s.ready);
    expect(seenOf(st)).toEqual(KEPT);
    // In the pod's network, as an app container.
    expect(await netns(await pidOf(`${kept}-proxy`))).toBe(await netns(await pidOf(`${kept}-sandbox`)));
  });

  it("restarts an exited sidecar whatever the pod's restartPolicy, leaving the app alone", async () => {
    const appBefore = await pidOf(`${kept}-app`);
    await execa("docker", ["kill", `${kept}-proxy`]);
    const st = await until("the sidecar restarted", () => statusOf(kept), (s) => s.ready && s.initContainerStatuses![0].restartCount === 1);
    expect(seenOf(st)).toEqual(KEPT);
    expect(st.containerStatuses[0].restartCount).toBe(0);
    expect(await pidOf(`${kept}-app`)).toBe(appBefore);
  }, 120_000);

  it("moves the sidecar into a restarted sandbox first, then the init containers and the app", async () => {
    await execa("docker", ["kill", `${kept}-sandbox`]);
    const st = await until("the pod whole again", () => statusOf(kept), (s) => s.ready && s.sandbox.restartCount === 1 && s.containerStatuses[0].restartCount === 1);
    expect(seenOf(st)).toEqual(KEPT);
    const sandbox = await netns(await pidOf(`${kept}-sandbox`));
    expect([await netns(await pidOf(`${kept}-proxy`)), await netns(await pidOf(`${kept}-app`))]).toEqual([sandbox, sandbox]);
    // Started in order in the new sandbox: the sidecar before the init container, the init container before the app.
    const started = async (c: string) => Date.parse((await execa("docker", ["inspect", "-f", "{{.State.StartedAt}}", `${kept}-${c}`])).stdout);
    const [p, i, a] = [await started("proxy"), await started("setup"), await started("app")];
    expect(p).toBeLessThan(i);
    expect(i).toBeLessThan(a);
  }, 120_000);

  it("stops the sidecar once the app has completed, and the pod Succeeded", async () => {
    const st = await until("the pod done", () => statusOf(done), (s) => s.phase === "Succeeded");
    expect(seenOf(st)).toEqual(DONE);
    expect((await execa("docker", ["inspect", "-f", "{{.State.Running}}", `${done}-proxy`])).stdout).toBe("false");
    // It stays stopped.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await statusOf(done)).initContainerStatuses![0].restartCount).toBe(0);
  }, 120_000);

  it("applies the same manifests unchanged on the local cluster: the same statuses", async () => {
    const cluster = await ensureCluster();
    const kube = await ScratchStack.create(`sck-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [keptPod(), donePod()],
    });
    const podStatus = async (name: string) => JSON.parse((await kubectl(cluster, "get", "pod", name, "-o", "json")).stdout).status;
    try {
      await kube.up();
      expect(seenOf(await until("the pod on Kubernetes", () => podStatus(kept), (s) => seenOf(s).containers[0]?.includes("ready=true")))).toEqual(KEPT);
      expect(seenOf(await until("the done pod on Kubernetes", () => podStatus(done), (s) => s.phase === "Succeeded"))).toEqual(DONE);
    } finally {
      await kube.dispose();
    }
  }, 400_000);
});
