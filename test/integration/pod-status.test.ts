// A docker-host pod's status as the kubelet keeps it, on the real engine: finished work stays
// finished (a completed init container, a Succeeded pod), the phase follows the kubelet's getPhase
// (never Succeeded under Always), probes follow redirects as the kubelet's prober does, an OOM kill
// is reported as OOMKilled in lastState, and pod-level limits lost with the pod's cgroup come back.
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupDirs } from "../../host/proc";
import { changes, requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "./fixtures";
import { destroyAndCheck, statusOf, waitWhole } from "./pod-health";
import { waitFor } from "./wait";

const TOP = resolve(__dirname, "../..");
const run = Math.random().toString(36).slice(2, 7);
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
// How long to watch for something that must not happen: six of the agent's 2 s syncs (agent.go).
// A container finished long ago is past any back-off, so a wrong run would come at the next sync.
const QUIET = 12;
const config = (pods: IPod[], extra: Record<string, unknown> = {}) => ({ platform: "docker", cgroupDriver: "auto", pods, ...extra });
/** What `docker container prune` removes, for this pod's containers only (other tests run beside). */
const prune = (pod: string) => execa("docker", ["container", "prune", "-f", "--filter", `label=podlab.dev/pod=${pod}`]);
const exec = (container: string, ...cmd: string[]) => execa("docker", ["exec", container, ...cmd]).then((r) => r.stdout);
const pod = (name: string, spec: IPod["spec"]): IPod => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec });

describe("finished work stays finished", () => {
  const initOnce = `io${run}`;
  const oneShot = `os${run}`;
  const out = mkdtempSync(join(tmpdir(), "podlab-oneshot-"));
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const data = [{ name: "data", mountPath: "/data" }];
    stack = await ScratchStack.create(`ps-${run}`, config([
      pod(initOnce, {
        volumes: [{ name: "data", emptyDir: {} }],
        initContainers: [{ name: "seed", image: "curlimages/curl", command: ["sh", "-c", "date +%s%N >> /data/seed-runs; echo fresh > /data/state"], volumeMounts: data }],
        containers: [{ name: "app", image: "curlimages/curl", command: ["sh", "-c", "echo app-wrote > /data/state; exec sleep 3650d"], volumeMounts: data }],
      }),
      pod(oneShot, {
        restartPolicy: "Never",
        volumes: [{ name: "out", hostPath: { path: out, type: "Directory" } }],
        containers: [{ name: "job", image: "curlimages/curl", command: ["sh", "-c", "date +%s%N >> /out/runs"], volumeMounts: [{ name: "out", mountPath: "/out" }] }],
      }),
    ]));
    await stack.up();
  }, 600_000);

  afterAll(async () => {
    await destroyAndCheck(stack, initOnce, oneShot);
    rmSync(out, { recursive: true, force: true });
  }, 300_000);

  it("does not run a completed init container again when it is removed while the app runs", async () => {
    const app = `${initOnce}-app`;
    expect(await exec(app, "cat", "/data/state")).toBe("app-wrote");
    expect((await exec(app, "cat", "/data/seed-runs")).split("\n")).toHaveLength(1);
    await prune(initOnce);
    await expect(execa("docker", ["inspect", `${initOnce}-seed`])).rejects.toThrow();
    await sleep(QUIET);
    expect((await exec(app, "cat", "/data/seed-runs")).split("\n")).toHaveLength(1);
    expect(await exec(app, "cat", "/data/state")).toBe("app-wrote");
    // Its status stands: completed, as Kubernetes keeps an init container's status.
    const status = await statusOf(initOnce);
    expect(status.initContainerStatuses![0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect([status.phase, status.ready]).toEqual(["Running", true]);
  }, 120_000);

  it("runs the init container again in a new sandbox, as Kubernetes does", async () => {
    await execa("docker", ["restart", `${initOnce}-sandbox`]);
    await waitFor("the init container run again", async () =>
      expect(readFileSync(`/var/lib/podlab/pods/${initOnce}/volumes/empty-dir/data/seed-runs`, "utf8").trim().split("\n")).toHaveLength(2), 60);
    await waitWhole(initOnce, ["app"], 60);
  }, 120_000);

  it("keeps a Succeeded pod terminal: its removed container does not run again", async () => {
    expect(readFileSync(join(out, "runs"), "utf8").trim().split("\n")).toHaveLength(1);
    expect((await statusOf(oneShot)).phase).toBe("Succeeded");
    await prune(oneShot);
    await sleep(QUIET);
    expect(readFileSync(join(out, "runs"), "utf8").trim().split("\n")).toHaveLength(1);
    const after = await statusOf(oneShot);
    expect(after.phase).toBe("Succeeded");
    expect(after.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  }, 120_000);
});

describe("the phase and the probes as the kubelet judges them", () => {
  const redir = `rd${run}`;
  const exits = `ex${run}`;
  const oom = `om${run}`;
  let redirStack: ScratchStack;
  let failing: ScratchStack;
  let redirUp: string;
  let failingUp: { all: string; exitCode: number };

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    // Probes on a path that redirects to another host: the kubelet does not follow it, and passes.
    const probe = { httpGet: { path: "/redirect-to?url=http://localhost:1/&status_code=302", port: "http" }, periodSeconds: 2 };
    redirStack = await ScratchStack.create(`rd-${run}`, config([pod(redir, {
      containers: [{ name: "app", image: "docker.io/kennethreitz/httpbin", ports: [{ name: "http", containerPort: 80 }],
        readinessProbe: probe, livenessProbe: { ...probe, failureThreshold: 2 } }],
    })]));
    failing = await ScratchStack.create(`fl-${run}`, config([
      // Exits 0 at once under Always: restarted for ever, never Succeeded.
      pod(exits, { containers: [{ name: "app", image: "curlimages/curl", command: ["sh", "-c", "echo done; exit 0"] }] }),
      // Killed by the kernel's OOM killer at its 64Mi limit.
      pod(oom, { containers: [{ name: "hog", image: "curlimages/curl", command: ["tail", "/dev/zero"], resources: { limits: { memory: "64Mi" } } }] }),
    ], { readyTimeout: "25s" }));
    const [r, f] = await Promise.all([redirStack.up(), failing.up().then(() => ({ all: "", exitCode: 0 }), (e) => e)]);
    redirUp = r.stdout;
    failingUp = f;
  }, 600_000);

  afterAll(async () => {
    await Promise.all([destroyAndCheck(redirStack, redir), destroyAndCheck(failing, exits, oom)]);
  }, 300_000);

  it("passes an httpGet probe that redirects to another host, with a warning, and keeps the pod Running", async () => {
    expect(redirUp).toContain(`pod ${redir} is ready`);
    await sleep(10); // five liveness periods
    const status = await statusOf(redir);
    expect([status.phase, status.ready]).toEqual(["Running", true]);
    const app = status.containerStatuses[0];
    expect(app.restartCount).toBe(0);
    expect(app.state.running).toBeDefined();
    expect(app.probeWarning).toMatch(/^(Readiness|Liveness) probe warning: Probe terminated redirects, Response body: /);
  }, 60_000);

  it("never calls a pod Succeeded under restartPolicy Always: `up` fails with the container crash-looping", async () => {
    expect(failingUp.exitCode).not.toBe(0);
    expect(failingUp.all).toContain(`pod ${exits} is not ready after 25s (phase Running)`);
    expect(failingUp.all).not.toContain(`pod ${exits} has succeeded`);
    const status = await statusOf(exits);
    expect(status.phase).toBe("Running");
    const app = status.containerStatuses[0];
    expect(app.restartCount).toBeGreaterThan(0);
    // Waiting in back-off, or between two runs: either way the last run completed.
    expect(app.state.waiting?.reason === "CrashLoopBackOff" ? app.lastState.terminated : app.state.terminated ?? app.lastState.terminated)
      .toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  it("reports an OOM kill as OOMKilled, in the status and in `up`'s failure", async () => {
    expect(failingUp.all).toMatch(new RegExp(`container hog: .*terminated \\(OOMKilled\\), exit code 137`));
    const hog = (await statusOf(oom)).containerStatuses[0];
    const last = hog.state.terminated ?? hog.lastState.terminated;
    expect(last).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    expect(hog.lastState.terminated ?? hog.state.terminated).toBeDefined();
    await waitFor("a restart with the OOM kill as lastState", async () => {
      const s = (await statusOf(oom)).containerStatuses[0];
      expect(s.lastState.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    }, 40);
  }, 60_000);
});

describe("pod-level limits lost with the pod's cgroup", () => {
  const limited = `pl${run}`;
  let stack: ScratchStack;
  const limitFile = () => `/sys/fs/cgroup/memory/pod-${limited}/memory.limit_in_bytes`;
  const inspect = () => execa("npx", ["tsx", "scripts/inspect.ts", `pl-${run}`], { cwd: TOP, env: stack.env, reject: false, all: true });

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const p = quickStoppingPod(limited);
    p.spec!.resources = { limits: { memory: "640Mi" } };
    stack = await ScratchStack.create(`pl-${run}`, config([p]));
    await stack.up();
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, limited), 300_000);

  /** What a reboot does to a cgroupfs host: the pod's containers stop and its cgroup is gone. */
  async function loseTheCgroup() {
    await execa("docker", ["stop", stack.agentName]);
    await execa("docker", ["stop", "-t", "1", `${limited}-app`, `${limited}-sidecar`, `${limited}-sandbox`]);
    await waitFor("the pod's cgroup removed", async () => {
      for (const dir of cgroupDirs(`pod-${limited}`)) await execa("rmdir", [dir]);
      expect(cgroupDirs(`pod-${limited}`)).toEqual([]);
    }, 20);
  }

  it("shows the lost limits to `inspect` (exit 1) while nothing restores them", async () => {
    expect(Number(readFileSync(limitFile(), "utf8"))).toBe(640 * 2 ** 20);
    const before = await inspect();
    expect(before.stdout).toContain("pod-level limits: memory 640Mi, cpu none (as declared)");
    await loseTheCgroup();
    // The sandbox started by hand, the agent still stopped: the runtime makes the cgroup, bare.
    await execa("docker", ["start", `${limited}-sandbox`]);
    expect(Number(readFileSync(limitFile(), "utf8"))).toBeGreaterThan(2 ** 62);
    const after = await inspect();
    expect(after.exitCode).toBe(1);
    expect(after.all).toContain(`pod ${limited}: its cgroup /pod-${limited} enforces memory none, cpu none, but the pod declares memory 640Mi, cpu none`);
    // Pulumi sees it too: the agent that keeps the limits is not running.
    await stack.refresh();
    const steps = (await stack.preview()).steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    expect(steps).toContain("update agent");
  }, 120_000);

  it("has them restored by the agent within 30 s, with the pod whole again", async () => {
    await execa("docker", ["start", stack.agentName]);
    await waitFor("the pod-level memory limit restored", async () => expect(Number(readFileSync(limitFile(), "utf8"))).toBe(640 * 2 ** 20), 30);
    await waitWhole(limited, ["app", "sidecar"], 30);
    // The agent writes its status at the end of the round that restored the limit and started the
    // members: until then, status.json is the one it wrote before it was stopped.
    await waitFor("the agent's status counting the restore", async () => expect((await statusOf(limited)).podCgroup?.restored).toBeGreaterThan(0), 30);
    const status = await statusOf(limited);
    expect(status.podCgroup).toMatchObject({ parent: `/pod-${limited}`, declared: { memoryBytes: 640 * 2 ** 20 }, enforced: { memoryBytes: 640 * 2 ** 20 } });
    expect((await inspect()).exitCode).toBe(0);
    await stack.refresh();
    expect(changes(await stack.preview())).toEqual({});
  }, 120_000);
});
