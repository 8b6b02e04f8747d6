// Lifecycle hooks on both stacks: postStart after every start (the container neither started nor
// Ready before it completed; a failing one kills the container: PostStartHookError, then
// CrashLoopBackOff), and preStop before every stop: every container's hook at once when the pod ends,
// an exec hook before SIGTERM, an httpGet hook to the pod's IP, a sidecar's SIGTERM after the app's exit. The marks land in a hostPath directory, which
// on the local cluster is on this machine too.
import execa from "execa";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { until } from "./wait";
import { destroyAndCheck, expectNothingLeft, statusOf } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `lc${run}`;
const failing = `lcf${run}`;
const curl = "curlimages/curl";
const limits = { limits: { memory: "32Mi" } };
const mark = (what: string) => ["sh", "-c", `date +%s%N >> /marks/${what}`];

/** The pod, its marks in `dir` (a hostPath). */
function hookedPod(dir: string) {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: "marks", hostPath: { path: dir, type: "DirectoryOrCreate" } }],
      initContainers: [{
        name: "proxy", image: curl, restartPolicy: "Always", resources: limits,
        command: ["sh", "-c", "trap 'date +%s%N >> /marks/proxy-term; exit 0' TERM; while :; do sleep 0.2; done"],
        volumeMounts: [{ name: "marks", mountPath: "/marks" }], lifecycle: { preStop: { exec: { command: mark("proxy-prestop") } } },
      }],
      containers: [
        {
          // Its SIGTERM is marked too: the preStop hook comes first.
          name: "app", image: curl, resources: limits, volumeMounts: [{ name: "marks", mountPath: "/marks" }],
          command: ["sh", "-c", "trap 'date +%s%N >> /marks/app-term; exit 0' TERM; while :; do sleep 0.2; done"],
          lifecycle: { postStart: { exec: { command: mark("app-poststart") } }, preStop: { exec: { command: mark("app-prestop") } } },
        },
        {
          // A small server that marks the path of every GET: the target of an httpGet preStop hook.
          name: "web", image: "docker.io/kennethreitz/httpbin", resources: { limits: { memory: "64Mi" } }, volumeMounts: [{ name: "marks", mountPath: "/marks" }],
          ports: [{ name: "hooks", containerPort: 8080 }],
          command: ["python3", "-c", [
            "import http.server, time",
            "class H(http.server.BaseHTTPRequestHandler):",
            "  def do_GET(self):",
            "    open('/marks/web' + self.path.replace('/', '-'), 'a').write(str(time.time_ns()) + '\\n')",
            "    self.send_response(200); self.end_headers()",
            "http.server.HTTPServer(('', 8080), H).serve_forever()",
          ].join("\n")],
          lifecycle: { preStop: { httpGet: { path: "/prestop", port: "hooks" } } },
        },
      ],
    },
  };
}

/** A pod whose postStart hook always fails (its image as podlab:images maps it: kubectl applies it on the cluster). */
const failingPod = () => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: failing },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: "app", image: "podlab/curl:0.1", resources: limits, command: ["sleep", "3650d"], lifecycle: { postStart: { exec: { command: ["false"] } } } }],
  },
});

const marks = (dir: string, what: string): number[] =>
  existsSync(`${dir}/${what}`) ? readFileSync(`${dir}/${what}`, "utf8").trim().split("\n").filter(Boolean).map((t) => Number(BigInt(t) / 1_000_000n)) : [];


/** What both platforms must show of the failing pod: killed for its hook, waiting to start again. */
const failedHook = (s: { containerStatuses: any[] }) => {
  const c = s.containerStatuses[0];
  return { waiting: ["PostStartHookError", "CrashLoopBackOff"].includes(c.state.waiting?.reason), lastExit: c.lastState.terminated?.exitCode, ready: c.ready };
};
const FAILED_HOOK = { waiting: true, lastExit: 137, ready: false };

/**
 * The order of the marks a pod's end leaves, the kubelet's: each container's preStop hook before its
 * SIGTERM, the sidecar's beside the app's; the sidecar's SIGTERM only after the app has exited.
 */
function expectStopOrder(dir: string, stops = 1): void {
  const [appPre, appTerm, webPre, proxyPre, proxyTerm] = ["app-prestop", "app-term", "web-prestop", "proxy-prestop", "proxy-term"].map((m) => marks(dir, m));
  expect({ appPre: appPre.length, appTerm: appTerm.length, webPre: webPre.length, proxyPre: proxyPre.length, proxyTerm: proxyTerm.length })
    .toEqual({ appPre: stops, appTerm: stops, webPre: stops, proxyPre: stops, proxyTerm: stops });
  const i = stops - 1;
  expect(appPre[i]).toBeLessThanOrEqual(appTerm[i]);
  // The sidecar's hook runs beside the app's (which of the two ends first is a race), before its own SIGTERM.
  expect(proxyPre[i]).toBeLessThanOrEqual(proxyTerm[i]);
  expect(proxyTerm[i]).toBeGreaterThanOrEqual(appTerm[i]);
}

describe("lifecycle hooks on the docker-host stack", () => {
  const dir = `/tmp/podlab-lc-${run}`;
  let stack: ScratchStack;
  // The failing pod in a stack of its own, with a short ready timeout: it is never ready.
  let failStack: ScratchStack;

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    mkdirSync(dir, { recursive: true });
    stack = await ScratchStack.create(`lc-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [hookedPod(dir)] });
    failStack = await ScratchStack.create(`lcf-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [failingPod()], readyTimeout: "5s" });
    await stack.up();
    const up = await failStack.up().catch((e) => e);
    expect(String(up.all ?? up.stdout)).toContain(`pod ${failing} is not ready`);
  }, 600_000);

  afterAll(async () => {
    await destroyAndCheck(failStack, failing);
    await stack?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it("runs postStart after the start, before the container counts as started, and again after a restart", async () => {
    const st = await until("the pod ready", () => statusOf(name), (s) => s.ready);
    expect(st.containerStatuses.find((c) => c.name === "app")).toMatchObject({ ready: true, started: true });
    expect(marks(dir, "app-poststart")).toHaveLength(1);
    await execa("docker", ["kill", `${name}-app`]);
    await until("the app restarted", () => statusOf(name), (s) => s.ready && s.containerStatuses.find((c) => c.name === "app")!.restartCount === 1);
    expect(marks(dir, "app-poststart")).toHaveLength(2);
    // No stop ran a preStop hook: a kill is no stop.
    expect(marks(dir, "app-prestop")).toEqual([]);
  }, 120_000);

  it("kills a container whose postStart hook fails, and says why: PostStartHookError, then the back-off", async () => {
    const st = await until("the hook's failure shown", () => statusOf(failing), (s) => failedHook(s).waiting && failedHook(s).lastExit === 137);
    expect(failedHook(st)).toEqual(FAILED_HOOK);
  }, 120_000);

  it("runs the preStop hooks when a change replaces the pod, before the old containers stop", async () => {
    const changed = hookedPod(dir) as any;
    changed.spec.containers[0].env = [{ name: "CHANGED", value: "1" }];
    stack.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [changed] });
    await stack.up();
    expectStopOrder(dir, 1);
    expect((await statusOf(name)).ready).toBe(true);
  }, 300_000);

  it("runs every preStop hook on destroy before its SIGTERM, httpGet to the pod's IP; the sidecar stops after the app", async () => {
    await stack.destroy();
    await expectNothingLeft(name);
    expectStopOrder(dir, 2);
  }, 300_000);
});

describe("lifecycle hooks on the local cluster, from the same manifests", () => {
  const dir = `/tmp/podlab-lck-${run}`;

  it("marks the same hooks, and shows the same failure", async () => {
    const cluster = await ensureCluster();
    mkdirSync(dir, { recursive: true });
    const kube = await ScratchStack.create(`lck-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [hookedPod(dir)],
    });
    const podStatus = async (pod: string) => JSON.parse((await kubectl(cluster, "get", "pod", pod, "-o", "json")).stdout).status;
    try {
      await kube.up();
      expect(marks(dir, "app-poststart")).toHaveLength(1);
      // The failing pod by kubectl: a Pod the provider would wait on for ever.
      await execa("sh", ["-c", `kubectl --kubeconfig "$0" --context "$1" apply -f -`, cluster.KUBECONFIG, cluster.PODLAB_K8S_CONTEXT], { input: JSON.stringify(failingPod()) });
      expect(failedHook(await until("the hook's failure on Kubernetes", () => podStatus(failing), (s) => failedHook(s).waiting && failedHook(s).lastExit === 137))).toEqual(FAILED_HOOK);
      await kube.destroy();
      expectStopOrder(dir);
    } finally {
      await kubectl(cluster, "delete", "pod", failing, "--wait=false").catch(() => undefined);
      await kube.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
