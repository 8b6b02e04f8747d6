// Twenty restarts of the Docker daemon in a row: after each, every pod of the host is whole again
// within 30 s (all members running and joined to their sandbox). This suite stops the daemon, so
// `npm test` runs it alone, after every other suite (scripts/test).
import execa from "execa";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IPod } from "kubernetes-models/v1/Pod";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "../integration/fixtures";
import { expectNothingLeft, waitWhole } from "../integration/pod-health";

const run = Math.random().toString(36).slice(2, 7);
const RESTARTS = 20;
const LOG_DIR = process.env.PODLAB_LOG_DIR ?? "/var/log/podlab";

async function dockerAnswers(): Promise<boolean> {
  return (await execa("docker", ["info", "--format", "{{.ServerVersion}}"], { reject: false })).exitCode === 0;
}

/** Stops and starts the engine as it was started: by systemd where it runs it, else as bootstrap does. */
async function restartDocker(): Promise<void> {
  if ((await execa("systemctl", ["is-active", "--quiet", "docker"], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0) {
    await execa("systemctl", ["restart", "docker"]);
    return;
  }
  const { stdout } = await execa("pidof", ["dockerd"]);
  const pid = Number(stdout.split(" ")[0]);
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 240 && (await execa("kill", ["-0", String(pid)], { reject: false })).exitCode === 0; i++) await new Promise((r) => setTimeout(r, 250));
  mkdirSync(LOG_DIR, { recursive: true });
  const log = openSync(`${LOG_DIR}/dockerd.log`, "a");
  execa("setsid", ["dockerd"], { detached: true, stdio: ["ignore", log, log] }).unref();
  closeSync(log);
  for (let i = 0; i < 120 && !(await dockerAnswers()); i++) await new Promise((r) => setTimeout(r, 500));
}

describe("Docker daemon restarts", () => {
  const pods = [`dr${run}a`, `dr${run}b`];
  let stack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    const make = (name: string): IPod => {
      const p = quickStoppingPod(name);
      // A sidecar that stops on SIGTERM, and a grace period of 1 s (Docker's stop timeout): httpbin,
      // just restarted, may not yet handle SIGTERM when the next stop comes, and each daemon stop
      // would wait the default 10 s for it (20 restarts: 3 minutes of waiting, nothing tested).
      p.spec!.containers[1].command = ["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"];
      p.spec!.terminationGracePeriodSeconds = 1;
      return p;
    };
    stack = await ScratchStack.create(`dr-${run}`, {
      platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods: pods.map(make),
    });
    await stack.up();
  }, 600_000);

  afterAll(async () => {
    await stack?.destroy();
    for (const p of pods) await expectNothingLeft(p);
    await stack?.dispose();
  }, 300_000);

  it(`brings every pod back whole within 30 s, ${RESTARTS} times in a row`, async () => {
    const took: number[] = [];
    for (let i = 1; i <= RESTARTS; i++) {
      await restartDocker();
      const t0 = Date.now();
      for (const p of pods) await waitWhole(p, ["app", "sidecar"], 30 - (Date.now() - t0) / 1000);
      took.push((Date.now() - t0) / 1000);
    }
    const sorted = [...took].sort((a, b) => a - b);
    console.log(`daemon restarts: ${RESTARTS}, pods whole after ${sorted[0].toFixed(1)}..${sorted.at(-1)!.toFixed(1)} s (median ${sorted[RESTARTS / 2].toFixed(1)} s): ${took.map((t) => t.toFixed(1)).join(" ")}`);
    expect(took.length).toBe(RESTARTS);
  }, RESTARTS * 120_000);
});
