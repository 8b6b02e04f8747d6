// A pod's end on both stacks, from one manifest, as the kubelet ends a pod
// (pkg/kubelet/kuberuntime: killContainer, kuberuntime_termination_order.go):
//   - with terminationGracePeriodSeconds unset the grace is 30 s: an app that drains on SIGTERM
//     finishes draining, on `pulumi destroy` and on a replacement alike;
//   - the app containers stop first, then the sidecars in reverse order, each after the later ones
//     have exited;
//   - when a restartPolicy Never pod's app completes, its sidecars get the pod's grace, in reverse
//     order, and exit 0.
// Each container marks its SIGTERM and its exit in a hostPath directory (on the local cluster, this
// machine too), in nanoseconds.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import execa from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { expectNothingLeft } from "./pod-health";
import { until } from "./wait";

const run = Math.random().toString(36).slice(2, 7);
const curl = "curlimages/curl";
const limits = { limits: { memory: "32Mi" } };

/**
 * A container that marks its SIGTERM, takes `drain` seconds to finish on it (longer than the 2 s a
 * kill without grace would leave), marks its exit and exits 0.
 */
const draining = (name: string, drain: number, sidecar = false) => ({
  name, image: curl, resources: limits, ...(sidecar ? { restartPolicy: "Always" } : {}),
  volumeMounts: [{ name: "marks", mountPath: "/marks" }],
  command: ["sh", "-c", `trap 'date +%s%N >> /marks/${name}-term; sleep ${drain}; date +%s%N >> /marks/${name}-exit; exit 0' TERM; while :; do sleep 0.2; done`],
});

/**
 * The pod: two sidecars (proxy, then logship) and an app, no terminationGracePeriodSeconds. With
 * `task`, restartPolicy Never and an app that completes after a second instead of running.
 */
function pod(name: string, dir: string, opts: { task?: boolean; env?: string } = {}) {
  const app = opts.task
    ? { name: "app", image: curl, resources: limits, command: ["sh", "-c", "sleep 1; exit 0"] }
    : { ...draining("app", 3), ...(opts.env ? { env: [{ name: "CHANGED", value: opts.env }] } : {}) };
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      ...(opts.task ? { restartPolicy: "Never" } : {}),
      volumes: [{ name: "marks", hostPath: { path: dir, type: "DirectoryOrCreate" } }],
      initContainers: [draining("proxy", 3, true), draining("logship", 3, true)],
      containers: [app],
    },
  };
}

const marks = (dir: string, what: string): number[] =>
  existsSync(`${dir}/${what}`) ? readFileSync(`${dir}/${what}`, "utf8").trim().split("\n").filter(Boolean).map((t) => Number(BigInt(t) / 1_000_000n)) : [];

/**
 * The n-th end (from 1) of the containers in `order`, checked in the kubelet's order: each marked
 * its SIGTERM and its exit (no SIGKILL cut its drain short), and each began to stop only after the
 * one before it had exited.
 */
function expectEnded(dir: string, order: string[], n = 1): void {
  const ends = order.map((c) => ({ c, term: marks(dir, `${c}-term`)[n - 1], exit: marks(dir, `${c}-exit`)[n - 1] }));
  expect(ends.map(({ c, term, exit }) => `${c} ${term !== undefined ? "term" : "-"} ${exit !== undefined ? "exit" : "-"}`)).toEqual(order.map((c) => `${c} term exit`));
  for (let i = 1; i < ends.length; i++) {
    expect(ends[i].term, `${ends[i].c}'s SIGTERM after ${ends[i - 1].c}'s exit`).toBeGreaterThanOrEqual(ends[i - 1].exit!);
  }
}

const END_ORDER = ["app", "logship", "proxy"];
const SIDECARS_ORDER = ["logship", "proxy"];

describe("a pod's end on the docker-host stack", () => {
  const dir = `/tmp/podlab-term-${run}`;
  const taskDir = `/tmp/podlab-termt-${run}`;
  const name = `term${run}`;
  const task = `termt${run}`;
  let stack: ScratchStack | undefined;
  let taskStack: ScratchStack | undefined;

  afterAll(async () => {
    await stack?.dispose();
    await taskStack?.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(taskDir, { recursive: true, force: true });
  }, 300_000);

  it("drains the app within the default 30 s grace, then stops the sidecars in reverse order: on a replacement and on destroy", async () => {
    await requireTools("pulumi", "docker");
    mkdirSync(dir, { recursive: true });
    stack = await ScratchStack.create(`term-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod(name, dir)] });
    await stack.up();
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [pod(name, dir, { env: "1" })] });
    await stack.up();
    expectEnded(dir, END_ORDER, 1);
    // Each stopped once: nothing (an agent still running) started one again to be stopped again.
    for (const c of END_ORDER) expect(marks(dir, `${c}-term`), c).toHaveLength(1);
    await stack.destroy();
    await expectNothingLeft(name);
    expectEnded(dir, END_ORDER, 2);
    for (const c of END_ORDER) expect(marks(dir, `${c}-term`), c).toHaveLength(2);
  }, 400_000);

  it("stops a completed Never pod's sidecars in reverse order, each with the pod's grace: both exit 0", async () => {
    mkdirSync(taskDir, { recursive: true });
    taskStack = await ScratchStack.create(`termt-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod(task, taskDir, { task: true })] });
    await taskStack.up();
    await until("the sidecars stopped", async () => marks(taskDir, "proxy-exit").length, (n) => n >= 1, 60);
    expectEnded(taskDir, SIDECARS_ORDER, 1);
    for (const c of SIDECARS_ORDER) expect(marks(taskDir, `${c}-term`), c).toHaveLength(1);
    for (const c of ["logship", "proxy"]) {
      await until(`${c} exited`, async () => (await execa("docker", ["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", `${task}-${c}`])).stdout, (s) => s === "false 0", 30);
    }
    await taskStack.destroy();
    await expectNothingLeft(task);
  }, 300_000);
});

describe("a pod's end on the local cluster, from the same manifests", () => {
  const dir = `/tmp/podlab-termk-${run}`;
  const name = `termk${run}`;
  const task = `termkt${run}`;

  it("drains the app, then stops the sidecars in reverse order; a completed Never pod's sidecars likewise, exit 0", async () => {
    const cluster = await ensureCluster();
    mkdirSync(dir, { recursive: true });
    const kube = await ScratchStack.create(`termk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod(name, dir)],
    });
    const podStatus = async (p: string) => JSON.parse((await kubectl(cluster, "get", "pod", p, "-o", "json")).stdout).status;
    try {
      await kube.up();
      await kube.destroy();
      expectEnded(dir, END_ORDER, 1);
      // The completed pod by kubectl, as a user applies a Job's pod.
      await execa("sh", ["-c", `kubectl --kubeconfig "$0" --context "$1" apply -f -`, cluster.KUBECONFIG, cluster.PODLAB_K8S_CONTEXT], {
        input: JSON.stringify(pod(task, dir, { task: true })).replaceAll(curl, "podlab/curl:0.1"),
      });
      await until("the sidecars stopped", async () => marks(dir, "proxy-exit").length, (n) => n >= 2, 120);
      expectEnded(dir, SIDECARS_ORDER, 2);
      const st = await until("both sidecars terminated", () => podStatus(task), (s) => (s.initContainerStatuses ?? []).every((c: any) => c.state.terminated), 60);
      expect(st.initContainerStatuses.map((c: any) => [c.name, c.state.terminated.exitCode])).toEqual([["proxy", 0], ["logship", 0]]);
    } finally {
      await kubectl(cluster, "delete", "pod", task, "--wait=false").catch(() => undefined);
      await kube.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
