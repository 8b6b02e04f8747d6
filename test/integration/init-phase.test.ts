// A pod's init phase during `pulumi up`, on both stacks from one manifest, as the kubelet runs it
// (computePodActions; KEP-753 sidecars): the init container after a sidecar starts only once the
// sidecar's postStart hook has completed, and a sidecar that exits while a later init container runs
// is started again at once, whatever the pod's restartPolicy. On the docker-host stack the agent
// runs the phase (`podlab-agent init`, the command `<pod>-init`).
import execa from "execa";
import { describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { expectNothingLeft } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const curl = "curlimages/curl";
const limits = { limits: { memory: "32Mi" } };
const shared = [{ name: "shared", mountPath: "/shared" }];

/**
 * The pod: a sidecar `proxy` whose postStart hook takes 1 s to mark itself done, and whose first run
 * exits after 6 s (while `check` runs); an init container `check` that fails unless the hook was done when it started and
 * the proxy was started a second time within a minute; a last sidecar `tail` whose postStart hook the
 * app needs done; restartPolicy Never, so any failure is final.
 */
function pod(name: string) {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      restartPolicy: "Never", terminationGracePeriodSeconds: 1,
      volumes: [{ name: "shared", emptyDir: {} }],
      initContainers: [
        {
          name: "proxy", image: curl, restartPolicy: "Always", resources: limits, volumeMounts: shared,
          command: ["sh", "-c", "echo start >> /shared/proxy-starts; if [ $(wc -l < /shared/proxy-starts) -lt 2 ]; then sleep 6; exit 1; fi; while :; do sleep 1; done"],
          lifecycle: { postStart: { exec: { command: ["sh", "-c", "sleep 1; touch /shared/poststart-done"] } } },
        },
        {
          name: "check", image: curl, resources: limits, volumeMounts: shared,
          command: ["sh", "-c", [
            "test -f /shared/poststart-done || { echo 'started before the sidecar postStart hook completed'; exit 1; }",
            "for i in $(seq 60); do [ $(wc -l < /shared/proxy-starts) -ge 2 ] && { echo 'the sidecar was started again'; exit 0; }; sleep 1; done",
            "echo 'the sidecar was not started again'; exit 1",
          ].join("\n")],
        },
        {
          // The last init container a sidecar: the app starts only once its postStart hook completed.
          name: "tail", image: curl, restartPolicy: "Always", resources: limits, volumeMounts: shared, command: ["sleep", "3650d"],
          lifecycle: { postStart: { exec: { command: ["sh", "-c", "sleep 1; touch /shared/tail-poststart-done"] } } },
        },
      ],
      containers: [{
        name: "app", image: curl, resources: limits, volumeMounts: shared,
        command: ["sh", "-c", "test -f /shared/tail-poststart-done || { echo 'started before the last sidecar postStart hook completed'; exit 1; }; exec sleep 3650d"],
      }],
    },
  };
}

describe("a pod's init phase during `pulumi up`", () => {
  it("on the docker-host stack: the next init container after the sidecar's postStart hook; the sidecar restarted while it runs", async () => {
    await requireTools("pulumi", "docker");
    const name = `ip${run}`;
    const stack = await ScratchStack.create(`ip-${run}`, { platform: "docker", cgroupDriver: "auto", readyTimeout: "2m", pods: [pod(name)] });
    try {
      const up = await stack.up().then(() => undefined, (e) => e);
      expect(up, String(up?.all ?? "")).toBeUndefined();
      expect((await execa("docker", ["logs", `${name}-check`])).stdout).toBe("the sidecar was started again");
      expect((await execa("docker", ["inspect", "-f", "{{.State.Running}}", `${name}-app`])).stdout).toBe("true");
    } finally {
      await stack.destroy().catch(() => undefined);
      await expectNothingLeft(name);
      await stack.dispose();
    }
  }, 400_000);

  it("on the local cluster, from the same manifest", async () => {
    const cluster = await ensureCluster();
    const name = `ipk${run}`;
    const kube = await ScratchStack.create(`ipk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "2m", pods: [pod(name)],
    });
    try {
      await kube.up();
      expect((await kubectl(cluster, "logs", name, "-c", "check")).stdout.trim()).toBe("the sidecar was started again");
    } finally {
      await kube.destroy().catch(() => undefined);
      await kube.dispose();
    }
  }, 400_000);
});
