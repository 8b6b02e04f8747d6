// Readiness and liveness probes on the docker-host stack, run by the pod's agent as the kubelet's
// prober runs them: `up` waits for readiness, a container that stops passing is not Ready, and one
// that fails its liveness probe is stopped and started again (restartPolicy Always).
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "./fixtures";
import { destroyAndCheck, restartsOf, statusOf } from "./pod-health";
import { waitFor } from "./wait";

const run = Math.random().toString(36).slice(2, 7);
const pod = `pr${run}`;

/** The walkthrough's pod, probed: httpGet and tcpSocket on the app, exec on the sidecar. */
function probedPod(): IPod {
  const p = quickStoppingPod(pod);
  p.spec!.terminationGracePeriodSeconds = 1;
  const app = p.spec!.containers[0];
  app.ports = [{ name: "http", containerPort: 80 }];
  app.readinessProbe = { httpGet: { path: "/get", port: "http" }, periodSeconds: 1 };
  app.livenessProbe = { tcpSocket: { port: 80 }, periodSeconds: 2, initialDelaySeconds: 5 };
  const sidecar = p.spec!.containers[1];
  // Ready 8 s after it starts; the liveness marker is cleared at every start.
  sidecar.command = ["sh", "-c", "rm -f /tmp/ready /tmp/dead; (sleep 8; touch /tmp/ready) & exec sleep 3650d"];
  sidecar.readinessProbe = { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1 };
  sidecar.livenessProbe = { exec: { command: ["sh", "-c", "! test -f /tmp/dead"] }, periodSeconds: 1, failureThreshold: 2 };
  return p;
}

const sidecarStatus = async () => (await statusOf(pod)).containerStatuses.find((c) => c.name === "sidecar")!;
const exec = (...cmd: string[]) => execa("docker", ["exec", `${pod}-sidecar`, ...cmd]);

describe("probes on the docker-host stack", () => {
  let stack: ScratchStack;
  let upSeconds = 0;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`pr-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [probedPod()] });
    const t0 = Date.now();
    await stack.up();
    upSeconds = (Date.now() - t0) / 1000;
  }, 600_000);

  afterAll(() => destroyAndCheck(stack, pod), 300_000);

  it("makes `up` wait until every readiness probe passes", async () => {
    const { stdout } = await execa("docker", ["inspect", "--format", "{{.State.StartedAt}}", `${pod}-sidecar`]);
    const status = await statusOf(pod);
    expect(status.ready).toBe(true);
    expect(status.containerStatuses.every((c) => c.ready)).toBe(true);
    // Not ready before /tmp/ready exists, 8 s after the sidecar started.
    expect(Date.parse(status.readySince!)).toBeGreaterThanOrEqual(Date.parse(stdout) + 7000);
    expect(upSeconds).toBeGreaterThan(8);
  });

  it("takes a container that fails its readiness probe out of Ready, and back", async () => {
    await exec("rm", "/tmp/ready");
    await waitFor("the sidecar not ready", async () => expect((await sidecarStatus()).ready).toBe(false), 15);
    expect((await statusOf(pod)).ready).toBe(false);
    expect((await sidecarStatus()).state.running).toBeDefined();
    await exec("touch", "/tmp/ready");
    await waitFor("the pod ready again", async () => expect((await statusOf(pod)).ready).toBe(true), 15);
  }, 60_000);

  it("stops a container that fails its liveness probe, and starts it again under Always", async () => {
    const before = await restartsOf(pod, "sidecar");
    const { stdout: startedBefore } = await execa("docker", ["inspect", "--format", "{{.State.StartedAt}}", `${pod}-sidecar`]);
    await exec("touch", "/tmp/dead");
    await waitFor("the sidecar restarted", async () => expect(await restartsOf(pod, "sidecar")).toBe(before + 1), 30);
    const { stdout: startedAfter } = await execa("docker", ["inspect", "--format", "{{.State.StartedAt}}", `${pod}-sidecar`]);
    expect(Date.parse(startedAfter)).toBeGreaterThan(Date.parse(startedBefore));
    const { all: log } = await execa("docker", ["logs", stack.agentName], { all: true });
    expect(log).toMatch(/container sidecar: liveness probe failed 2 times in a row/);
    expect(log).toMatch(/start-member sidecar: it failed its liveness probe and restartPolicy is Always/);
    await waitFor("the pod ready again", async () => expect((await statusOf(pod)).ready).toBe(true), 30);
    expect(await restartsOf(pod, "app")).toBe(0); // the app passes its tcpSocket liveness probe
  }, 90_000);
});
