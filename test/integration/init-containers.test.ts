// Init containers on the docker-host stack, as the kubelet runs them: one at a time, in order, each
// to completion, before any app container starts; again after the sandbox restarts; and a failing
// one fails the pod (restartPolicy Never at once, otherwise after the kubelet's back-off).
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "./fixtures";
import { destroyAndCheck, expectNothingLeft, waitWhole } from "./pod-health";
import { waitFor } from "./wait";

const run = Math.random().toString(36).slice(2, 7);
const MEMBERS = ["app", "sidecar"];
const config = (pods: object[], extra: Record<string, unknown> = {}) => ({ platform: "docker", cgroupDriver: "auto", pods, ...extra });

/** The walkthrough's pod with two init containers that leave their mark, in order, in an emptyDir. */
function initPod(name: string, second = "echo migrate >> /work/order"): IPod {
  const p = quickStoppingPod(name);
  const mount = [{ name: "work", mountPath: "/work" }];
  p.spec!.volumes = [{ name: "work", emptyDir: {} }];
  p.spec!.initContainers = [
    { name: "setup", image: "curlimages/curl", command: ["sh", "-c", "sleep 1; echo setup >> /work/order"], volumeMounts: mount },
    { name: "migrate", image: "curlimages/curl", command: ["sh", "-c", second], volumeMounts: mount },
  ];
  p.spec!.containers[1].command = ["sh", "-c", "cp /work/order /work/seen-by-sidecar; exec sleep 3650d"];
  p.spec!.containers[1].volumeMounts = mount;
  return p;
}

const started = async (container: string) => {
  const { stdout } = await execa("docker", ["inspect", "--format", "{{.State.StartedAt}} {{.State.FinishedAt}} {{.State.ExitCode}}", container]);
  const [start, finish, code] = stdout.split(" ");
  return { start: Date.parse(start), finish: Date.parse(finish), code: Number(code) };
};
const cat = async (pod: string, file: string) => (await execa("docker", ["exec", `${pod}-sidecar`, "cat", file])).stdout;

describe("init containers", () => {
  const pod = `in${run}`;
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`in-${run}`, config([initPod(pod)]));
    await stack.up();
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, pod), 300_000);

  it("run one after another, to completion, before the app containers start", async () => {
    const [setup, migrate, app, sidecar] = await Promise.all(["setup", "migrate", "app", "sidecar"].map((c) => started(`${pod}-${c}`)));
    expect([setup.code, migrate.code]).toEqual([0, 0]);
    expect(migrate.start).toBeGreaterThanOrEqual(setup.finish);
    for (const member of [app, sidecar]) expect(member.start).toBeGreaterThanOrEqual(migrate.finish);
    expect(await cat(pod, "/work/seen-by-sidecar")).toBe("setup\nmigrate");
  });

  it("run again, in order, when the sandbox restarts, before the members are back", async () => {
    const before = await started(`${pod}-setup`);
    await execa("docker", ["restart", `${pod}-sandbox`]);
    await waitFor("the init containers run again", async () => expect((await started(`${pod}-migrate`)).start).toBeGreaterThan(before.finish), 60);
    const whole = await waitWhole(pod, MEMBERS, 60);
    const [setup, migrate] = await Promise.all([started(`${pod}-setup`), started(`${pod}-migrate`)]);
    expect(migrate.start).toBeGreaterThanOrEqual(setup.finish);
    expect(Date.parse((await execa("docker", ["inspect", "--format", "{{.State.StartedAt}}", whole.members.sidecar.id])).stdout)).toBeGreaterThanOrEqual(migrate.finish);
    // The emptyDir lives as long as the pod: both runs' marks are there.
    expect(await cat(pod, "/work/order")).toBe("setup\nmigrate\nsetup\nmigrate");
  }, 120_000);

  it("previews no changes afterwards", async () => {
    await stack.refresh();
    const preview = await stack.preview();
    expect(preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual([]);
  }, 120_000);
});

describe("init containers pruned by a host cleanup", () => {
  const pod = `inp${run}`;
  let stack: ScratchStack;

  afterAll(() => destroyAndCheck(stack, pod), 300_000);

  it("are not run again by refresh and up: the pod initialized once, its app untouched, as the kubelet keeps a running pod's history", async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`inp-${run}`, config([initPod(pod)]));
    await stack.up();
    const app = await started(`${pod}-app`);
    // Only this pod's: other tests' containers run beside it.
    await execa("docker", ["container", "prune", "-f", "--filter", `label=podlab.dev/pod=${pod}`]);
    expect((await execa("docker", ["ps", "-aq", "--filter", `name=^${pod}-(setup|migrate)$`])).stdout).toBe("");
    await stack.refresh();
    await stack.up();
    expect(await cat(pod, "/work/order")).toBe("setup\nmigrate");
    expect((await started(`${pod}-app`)).start).toBe(app.start);
    const { stdout } = await execa("docker", ["ps", "-aq", "--filter", `name=^${pod}-(setup|migrate)$`]);
    expect(stdout.split("\n").filter(Boolean)).toHaveLength(2);
  }, 300_000);
});

describe("a failing init container", () => {
  const never = `if${run}n`;
  const always = `if${run}a`;
  const stacks: ScratchStack[] = [];

  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.destroy().catch(() => undefined)));
    for (const pod of [never, `${never}h`, always]) await expectNothingLeft(pod);
    await Promise.all(stacks.map((s) => s.dispose()));
  }, 300_000);

  async function failingUp(name: string, restartPolicy: "Never" | "Always", migrate = "echo cannot-migrate >&2; exit 3") {
    const p = initPod(name, migrate);
    p.spec!.restartPolicy = restartPolicy;
    const stack = await ScratchStack.create(`if-${name}`, config([p], { readyTimeout: "25s" }));
    stacks.push(stack);
    return stack.up().catch((e) => e);
  }

  it("fails `up` at once under restartPolicy Never, naming it, its exit code and log; no app container exists", async () => {
    await requireTools("pulumi", "docker");
    const result = await failingUp(never, "Never");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain(`pod ${never}: init container migrate failed: exit code 3, 0 restarts (restartPolicy Never)`);
    expect(result.all).toContain("cannot-migrate");
    const { stdout } = await execa("docker", ["ps", "-aq", "--filter", `name=^${never}-(app|sidecar)$`]);
    expect(stdout).toBe("");
  }, 300_000);

  it("fails `up` at the ready timeout when an init container never completes, and stops it", async () => {
    const result = await failingUp(`${never}h`, "Never", "echo waiting-forever; exec sleep 3600");
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain(`pod ${never}h: init container migrate did not complete within the ready timeout (25s), 0 restarts: stopped`);
    expect(result.all).toContain("waiting-forever");
  }, 300_000);

  it("is started again with the back-off under Always, and fails `up` at the ready timeout", async () => {
    const result = await failingUp(always, "Always");
    expect(result.exitCode).not.toBe(0);
    // The kubelet's back-off: the first restart at once, then 10 s, doubling.
    expect(result.all).toMatch(/init container migrate exited with code 3: starting it again in (10|20)s \(CrashLoopBackOff\)/);
    expect(result.all).toMatch(new RegExp(`pod ${always}: init container migrate failed: exit code 3, [1-9] restarts \\(restartPolicy Always\\)`));
  }, 300_000);
});
