// A docker-host pod after `pulumi up`: its agent keeps it whole when the sandbox restarts, is killed
// or removed (within 30 s, every member back inside the sandbox's current namespaces, the host port
// answering, cgroups and limits as declared, restarts counted); Pulumi sees a split pod when the agent
// is not there to repair it; restart policies and the readiness gate behave as on Kubernetes.
import execa from "execa";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IPod } from "kubernetes-models/v1/Pod";
import { changes, requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { secondRun, quickStoppingPod } from "./fixtures";
import { destroyAndCheck, expectCgroups, httpStatus, restartsOf, statusOf, waitWhole, wholePod } from "./pod-health";
import { waitFor } from "./wait";

const TOP = resolve(__dirname, "../..");
const run = Math.random().toString(36).slice(2, 7);
const MEMBERS = ["app", "sidecar"];
const LIMITS = { app: 256, sidecar: 128 };
const dockerConfig = (pods: IPod[], extra: Record<string, unknown> = {}) =>
  ({ platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods, ...extra });

describe("a docker-host pod at runtime", () => {
  const pod = `rt${run}`;
  const port = 20000 + Math.floor(Math.random() * 10000);
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const p = quickStoppingPod(pod);
    p.spec!.containers[0].ports = [{ containerPort: 80, hostPort: port }];
    stack = await ScratchStack.create(`rt-${run}`, dockerConfig([p]));
    await stack.up();
    await waitFor("the app answering on the host port", async () => expect(await httpStatus(port)).toBe(200));
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, pod), 300_000);

  /** Breaks the sandbox with `breakIt`, then checks the pod is whole again within 30 s. */
  async function survives(breakIt: () => Promise<unknown>) {
    const before = await wholePod(pod, MEMBERS);
    const restarts = await Promise.all(MEMBERS.map((m) => restartsOf(pod, m)));
    await breakIt();
    const after = await waitWhole(pod, MEMBERS, 30);
    expect(after.net, "a new network namespace").not.toBe(before.net);
    expectCgroups(pod, after, LIMITS);
    await waitFor("the host port answering again", async () => expect(await httpStatus(port)).toBe(200), 30);
    // Restarts are counted as the kubelet counts them, and shown by the agent.
    await waitFor("restarts counted", async () => {
      for (const [i, m] of MEMBERS.entries()) expect(await restartsOf(pod, m), m).toBeGreaterThan(restarts[i]);
    }, 10);
    return after;
  }

  it("after `docker restart` of the sandbox, runs every member in its new namespaces within 30 s", async () => {
    await survives(() => execa("docker", ["restart", `${pod}-sandbox`]));
  }, 120_000);

  it("after `docker kill` of the sandbox", async () => {
    await survives(() => execa("docker", ["kill", `${pod}-sandbox`]));
  }, 120_000);

  it("after its pause process is killed with SIGKILL", async () => {
    await survives(async () => {
      const { stdout } = await execa("docker", ["inspect", "-f", "{{.State.Pid}}", `${pod}-sandbox`]);
      process.kill(Number(stdout), "SIGKILL");
    });
  }, 120_000);

  it("after the sandbox is removed by hand: made again, and Pulumi adopts it on refresh", async () => {
    const old = (await wholePod(pod, MEMBERS)).sandbox.id;
    const after = await survives(() => execa("docker", ["rm", "-f", `${pod}-sandbox`]));
    expect(after.sandbox.id).not.toBe(old);
    await stack.refresh();
    expect(changes(await stack.preview())).toEqual({});
  }, 180_000);

  it("shows a split pod to `inspect` and, after refresh, to preview; `up` repairs it", async () => {
    // Without its agent nothing repairs the pod: the split stays.
    await execa("docker", ["stop", stack.agentName]);
    await execa("docker", ["restart", `${pod}-sandbox`]);
    await expect(wholePod(pod, MEMBERS)).rejects.toThrow(/is in net/);
    const inspect = await execa("npx", ["tsx", "scripts/inspect.ts", `rt-${run}`], { cwd: TOP, env: stack.env, reject: false, all: true });
    expect(inspect.exitCode).toBe(1);
    expect(inspect.all).toMatch(new RegExp(`pod ${pod} is split: app is in net namespace \\d+, its sandbox in \\d+`));
    expect(inspect.stderr).toContain(`pod ${pod}: its agent ${stack.agentName} is exited: nothing repairs the pod`);

    await stack.refresh();
    const preview = await stack.preview({ diff: true });
    const updated = preview.steps.filter((s) => s.op === "update").map((s) => s.urn.split("::").pop()).sort();
    expect(updated).toEqual(["agent", `${pod}-app`, `${pod}-sidecar`].sort());
    await stack.up();
    const whole = await waitWhole(pod, MEMBERS, 30);
    expectCgroups(pod, whole, LIMITS);
    expect(await httpStatus(port)).toBe(200);
    expect(await secondRun(stack)).toEqual({ planned: {}, upExitCode: 0 });
  }, 300_000);
});

describe("restartPolicy on a docker-host pod", () => {
  // Long enough to be up when `pulumi up`'s readiness gate looks, short enough for the test.
  const once = ["sh", "-c", "sleep 12"];
  const always = `ra${run}`;
  const onFailure = `ro${run}`;
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const make = (name: string, restartPolicy: "Always" | "OnFailure"): IPod => {
      const p = quickStoppingPod(name);
      p.spec!.restartPolicy = restartPolicy;
      p.spec!.containers[1].command = once;
      return p;
    };
    stack = await ScratchStack.create(`rp-${run}`, dockerConfig([make(always, "Always"), make(onFailure, "OnFailure")]));
    await stack.up();
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, always, onFailure), 300_000);

  it("restarts a member that exits 0 under Always, and leaves it exited under OnFailure", async () => {
    await waitFor("the Always sidecar restarted", async () => expect(await restartsOf(always, "sidecar")).toBeGreaterThan(0), 40);
    await waitFor("the OnFailure sidecar exited", async () => {
      const s = (await statusOf(onFailure)).containerStatuses.find((c) => c.name === "sidecar")!;
      expect(s.state.terminated).toMatchObject({ reason: "Completed", exitCode: 0 });
    }, 40);
    // Still exited well after the kubelet would have restarted it under Always.
    await new Promise((r) => setTimeout(r, 12_000));
    const s = (await statusOf(onFailure)).containerStatuses.find((c) => c.name === "sidecar")!;
    expect([Object.keys(s.state), s.restartCount]).toEqual([["terminated"], 0]);
    const { stdout } = await execa("docker", ["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", `${onFailure}-sidecar`]);
    expect(stdout).toBe("exited 0");
    // `inspect` shows it as completed, and does not count it as a problem.
    const inspect = await execa("npx", ["tsx", "scripts/inspect.ts", `rp-${run}`], { cwd: TOP, env: stack.env, reject: false, all: true });
    expect(inspect.stdout).toContain(`pod ${onFailure}: sidecar is not running: terminated (Completed), exit code 0, 0 restarts`);
    expect(inspect.stderr).not.toContain(`pod ${onFailure}:`);
    // A member that completed under OnFailure is no drift: nothing of that pod to change (the Always
    // pod's sidecar, exited between two restarts, may well be).
    await stack.refresh();
    const steps = (await stack.preview()).steps.filter((s) => s.op !== "same" && s.urn.includes(onFailure));
    expect(steps).toEqual([]);
  }, 120_000);
});
