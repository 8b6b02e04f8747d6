// What several integration tests share: the walkthrough's pod, and the check of a second run.
import { PodArgs } from "../../components/model/pod-spec";
import { changes, ScratchStack } from "../../scripts/lib/scratch-stack";

/** The walkthrough's pod: httpbin with 256Mi and a sleeping curl sidecar with 128Mi. */
export function walkthroughPod(name: string): PodArgs {
  return {
    name,
    containers: [
      { name: "app", image: "podlab/httpbin:0.1", command: ["gunicorn", "--bind", "0.0.0.0:80", "httpbin:app"], ports: [{ containerPort: 80 }], memory: "256Mi" },
      { name: "sidecar", image: "podlab/curl:0.1", command: ["sleep", "infinity"], memory: "128Mi" },
    ],
  };
}

/** What a second preview plans and how a second `up --expect-no-changes` ends. */
export async function secondRun(stack: ScratchStack): Promise<{ planned: Record<string, number>; upExitCode: number }> {
  const preview = await stack.preview("--diff");
  const up = await stack.pulumi("up", "--yes", "--expect-no-changes");
  return { planned: changes(preview), upExitCode: up.exitCode };
}
