// podlab's pause, as PID 1 of a shared PID namespace, reaps the orphans of the pod's containers:
// without it they would stay zombies (`sleep` as a sandbox would not reap them).
import execa from "execa";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTools } from "../../scripts/lib/scratch-stack";
import { waitFor } from "./wait";

const name = `pause-it-${Math.random().toString(36).slice(2, 7)}`;

/** Host PIDs of the children of a process, with their state letter (Z for a zombie). */
function children(ppid: number): { pid: number; state: string }[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(parent) === ppid ? [{ pid: Number(d), state }] : [];
    } catch {
      return []; // the process ended while we read
    }
  });
}

describe("podlab's pause", () => {
  let pausePid: number;
  beforeAll(async () => {
    await requireTools("docker");
    await execa("docker", ["run", "-d", "--name", name, "podlab/pause:0.1"]);
    pausePid = Number((await execa("docker", ["inspect", "-f", "{{.State.Pid}}", name])).stdout);
  });
  afterAll(async () => {
    await execa("docker", ["rm", "-f", name], { reject: false });
  });

  it("reaps orphans reparented to it", async () => {
    // The subshell exits at once, so its `sleep` is reparented to PID 1 (pause) and exits soon after.
    await execa("docker", ["run", "--rm", "--pid", `container:${name}`, "podlab/curl:0.1", "sh", "-c", "(sleep 0.3 &); sleep 0.1"]);
    await waitFor("the orphan to end and be reaped", async () => {
      const left = children(pausePid);
      if (left.length) throw new Error(`children of pause: ${JSON.stringify(left)}`);
    }, 10);
  });

  it("exits on SIGTERM at once, so a pod stops without waiting for a kill", async () => {
    const t0 = Date.now();
    await execa("docker", ["stop", "--time", "10", name]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await execa("docker", ["inspect", "-f", "{{.State.ExitCode}}", name])).stdout).toBe("0");
  });
});
