// What several integration tests share: the walkthrough's pod, and the check of a second run.
import type { IPod } from "kubernetes-models/v1/Pod";
import { changes, ScratchStack, StackCommandError } from "../../scripts/lib/scratch-stack";

/**
 * The walkthrough's pod (pods/foo.yaml) under another name: httpbin with 256Mi and a sleeping curl
 * sidecar with 128Mi, with the walkthrough's image names (podlab:images maps them to local builds).
 */
export function walkthroughPod(name: string): IPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      containers: [
        { name: "app", image: "docker.io/kennethreitz/httpbin", ports: [{ containerPort: 80 }], resources: { limits: { memory: "256Mi" } } },
        { name: "sidecar", image: "curlimages/curl", command: ["/bin/sleep", "3650d"], resources: { limits: { memory: "128Mi" } } },
      ],
    },
  };
}

/**
 * The walkthrough's pod with a grace period of 1 s: its sidecar (`sleep`, PID 1) ignores SIGTERM, so
 * each end of the pod (destroy, a replacement) would wait the default 30 s on both platforms for
 * nothing a test checks (test/integration/termination.test.ts checks the default itself).
 */
export function quickStoppingPod(name: string): IPod {
  const p = walkthroughPod(name);
  p.spec!.terminationGracePeriodSeconds = 1;
  return p;
}

/** What a second preview plans and how a second `up --expect-no-changes` ends. */
export async function secondRun(stack: ScratchStack): Promise<{ planned: Record<string, number>; upExitCode: number }> {
  const preview = await stack.preview({ diff: true });
  const up = await stack.up({ expectNoChanges: true }).then(() => 0, (e: StackCommandError) => e.exitCode);
  return { planned: changes(preview), upExitCode: up };
}
