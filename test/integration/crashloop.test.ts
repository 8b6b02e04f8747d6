// The same crash-looping pod on both stacks gets the same verdict: `pulumi up` fails after the ready
// timeout, naming the container and the kubelet's reason (CrashLoopBackOff). On Docker the readiness
// gate also gives the exit code, the restart count and the container's last log lines. A Failed pod
// (restartPolicy Never) fails `up` at once on both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IPod } from "kubernetes-models/v1/Pod";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { quickStoppingPod } from "./fixtures";
import { expectNothingLeft } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);

function crashLooping(name: string): IPod {
  const p = quickStoppingPod(name);
  p.spec!.containers[1].command = ["sh", "-c", "echo podlab-crash-$HOSTNAME; exit 1"];
  // Never Ready, even in the instant between a start and the crash: a Pod await that caught that
  // instant would call the pod ready, and `up` would pass (seen once on the local cluster).
  p.spec!.containers[1].readinessProbe = { exec: { command: ["false"] }, periodSeconds: 1 };
  return p;
}


/** The pod on both stacks (the local cluster for kubernetes), and what each `up` gave: its error, or nothing. */
async function upOnBoth(prefix: string, pod: IPod, readyTimeout: string) {
  await requireTools("pulumi", "docker");
  const cluster = await ensureCluster();
  const docker = await ScratchStack.create(`${prefix}d-${run}`, {
    platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", readyTimeout, pods: [pod],
  });
  const kube = await ScratchStack.create(`${prefix}k-${run}`, {
    platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, namespace: "default", readyTimeout, pods: [pod],
  });
  const timed = async (stack: ScratchStack) => {
    const t0 = Date.now();
    const result = await stack.up().catch((e) => e);
    return { result, seconds: (Date.now() - t0) / 1000 };
  };
  const [d, k] = await Promise.all([timed(docker), timed(kube)]);
  return { docker, kube, dockerUp: d.result, kubeUp: k.result, seconds: { docker: d.seconds, kube: k.seconds } };
}

/** Destroys both stacks and checks the docker host keeps nothing of the pod. */
async function tearDown(pod: string, stacks: { docker: ScratchStack; kube: ScratchStack } | undefined) {
  await stacks?.docker.destroy();
  await expectNothingLeft(pod);
  await Promise.all([stacks?.docker.dispose(), stacks?.kube.dispose()]);
}

describe("a crash-looping pod, on both stacks", () => {
  const pod = `cl${run}`;
  let both: Awaited<ReturnType<typeof upOnBoth>> | undefined;
  let dockerUp: any;
  let kubeUp: any;

  beforeAll(async () => {
    both = await upOnBoth("cl", crashLooping(pod), "40s");
    ({ dockerUp, kubeUp } = both);
  }, 600_000);
  afterAll(() => tearDown(pod, both), 300_000);

  it("fails `up` on Kubernetes with the kubelet's reason", () => {
    expect(kubeUp.exitCode, kubeUp.all).not.toBe(0);
    expect(kubeUp.all).toMatch(/sidecar/);
    expect(kubeUp.all).toMatch(/CrashLoopBackOff/);
  });

  it("fails `up` on Docker the same way, with exit code, restarts and the last log lines", () => {
    expect(dockerUp.exitCode, dockerUp.all).not.toBe(0);
    expect(dockerUp.all).toContain(`pod ${pod} is not ready after 40s`);
    expect(dockerUp.all).toMatch(/container sidecar: (waiting \(CrashLoopBackOff\); last state )?terminated \(Error\), exit code 1, [1-9]\d* restarts/);
    expect(dockerUp.all).toContain(`podlab-crash-${pod}`); // its log, where the hostname is the pod's
    expect(dockerUp.all).toMatch(/CrashLoopBackOff/);
  });
});

// Phase Failed is terminal: a Pod whose only container exits 3 under restartPolicy Never never becomes
// Ready, so `up` fails at once on both stacks, not after the ready timeout (pulumi-kubernetes' Pod
// await waited it out: toolchain/kubernetes-provider/pod-await-failed.patch).
describe("a failed pod (restartPolicy Never), on both stacks", () => {
  const pod = `fl${run}`;
  const failing: IPod = {
    apiVersion: "v1", kind: "Pod", metadata: { name: pod },
    spec: {
      restartPolicy: "Never", terminationGracePeriodSeconds: 1,
      containers: [{
        name: "app", image: "curlimages/curl", command: ["sh", "-c", "echo podlab-failed; exit 3"], resources: { limits: { memory: "32Mi" } },
        // Never Ready, even in the instant between its start and its exit: an await that caught that
        // instant would call the pod ready (seen once in 10 on a cold machine's local cluster).
        readinessProbe: { exec: { command: ["false"] }, periodSeconds: 1 },
      }],
    },
  };
  let both: Awaited<ReturnType<typeof upOnBoth>> | undefined;
  let dockerUp: any;
  let kubeUp: any;

  beforeAll(async () => {
    // A long ready timeout, so that an `up` which waited for it cannot be mistaken for a slow one: on a
    // loaded 2-core machine the kubernetes `up` alone (plugin start, create, await) took over 120 s.
    both = await upOnBoth("fl", failing, "10m");
    ({ dockerUp, kubeUp } = both);
    console.log(`failed pod: up failed after ${both.seconds.docker.toFixed(1)} s (docker), ${both.seconds.kube.toFixed(1)} s (kubernetes)`);
  }, 900_000);
  afterAll(() => tearDown(pod, both), 300_000);

  it("fails `up` on Kubernetes at once, with the pod's phase and the container's exit code", () => {
    expect(kubeUp, "up succeeded").toBeInstanceOf(Error);
    expect(kubeUp.all).toContain(`Pod "${pod}" has failed (phase Failed, restartPolicy Never)`);
    expect(kubeUp.all).toContain(`Pod "${pod}" has failed (phase Failed, restartPolicy Never); container "app": terminated (Error), exit code 3`);
    expect(kubeUp.all).not.toMatch(/timed out/);
    // Not a speed target: well inside the 10-minute ready timeout means it did not wait for it.
    expect(both!.seconds.kube).toBeLessThan(300);
  });

  it("fails `up` on Docker the same way", () => {
    expect(dockerUp, "up succeeded").toBeInstanceOf(Error);
    expect(dockerUp.all).toContain(`pod ${pod} has failed (phase Failed, restartPolicy Never)`);
    expect(dockerUp.all).toMatch(/container app: terminated \(Error\), exit code 3/);
    expect(dockerUp.all).toContain("podlab-failed");
    expect(both!.seconds.docker).toBeLessThan(300);
  });
});
