// podlab's policy pack: `pulumi preview --policy-pack policies` on either stack. Each rule is a small
// function over the stack's resources (rules/); this file only wires them into mandatory policies.
// Values still unknown in a preview throw inside @pulumi/policy's proxy, which skips the rule.
import { PolicyPack, StackValidationPolicy } from "@pulumi/policy";
import { readFileSync } from "node:fs";
import { PodLayout } from "../components/model/layout";
import { Resource } from "./resources";
import { crossStackViolations } from "./rules/cross-stack";
import { membershipViolations } from "./rules/docker-membership";
import { isolationViolations } from "./rules/isolation";
import { memoryLimitViolations } from "./rules/memory-limits";
import { modelViolations } from "./rules/model-layout";

function stackPolicy(name: string, description: string, check: (resources: Resource[]) => string[]): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      for (const message of check(args.resources as unknown as Resource[])) reportViolation(message);
    },
  };
}

const crossStack: StackValidationPolicy = {
  name: "layouts-match-across-stacks",
  description: "The pods match the other stack's layouts, except for documented platform differences.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { reference: { type: "string", description: "JSON file with the other stack's `layouts` output" } } },
  validateStack: (args, reportViolation) => {
    const { reference } = args.getConfig<{ reference?: string }>();
    if (!reference) return; // No other stack to compare with: nothing to say.
    const layouts: PodLayout[] = JSON.parse(readFileSync(reference, "utf8"));
    for (const message of crossStackViolations(args.resources as unknown as Resource[], layouts)) reportViolation(message);
  },
};

new PolicyPack("podlab-layout", {
  policies: [
    stackPolicy("memory-limits", "Every container of a pod has a memory limit.", memoryLimitViolations),
    stackPolicy("no-privilege-no-host-namespaces", "Nothing runs privileged or in the host's network, PID or IPC namespace.", isolationViolations),
    stackPolicy("docker-pod-membership", "On Docker, every member is under the pod's cgroup parent and joins the sandbox's network and IPC.", membershipViolations),
    stackPolicy("layout-follows-model", "Each pod is laid out as the shared Pod model implies on its platform.", modelViolations),
    crossStack,
  ],
});
