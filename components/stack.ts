// Reads the stack's config and makes its pods on the configured platform. Everything is validated
// before the first resource is registered. Each platform's module is loaded only when the stack
// uses it: @pulumi/kubernetes alone takes about a second to load, which a docker-host preview
// need not pay.
import * as pulumi from "@pulumi/pulumi";
import { PodLayout } from "./model/layout";
import { PodArgs } from "./model/pod-spec";
import { PodSpecError, podSpecs } from "./model/validate";

const PLATFORMS = ["docker", "kubernetes"] as const;

/** Config is read through this narrow interface, so tests can hand in plain values. */
export interface ConfigSource {
  get(key: string): string | undefined;
  getObject<T>(key: string): T | undefined;
}

export interface StackPods {
  layouts: pulumi.Output<PodLayout[]>;
}

export function stackPods(config: ConfigSource): StackPods {
  const platform = config.get("platform");
  if (!PLATFORMS.includes(platform as (typeof PLATFORMS)[number])) {
    throw new PodSpecError("podlab:platform", platform, `is not one of ${PLATFORMS.join(", ")}`);
  }
  const pods = config.getObject<PodArgs[]>("pods") as PodArgs[];
  podSpecs(pods, "podlab:pods");
  if (platform === "docker") {
    const { dockerStack } = require("./docker/stack") as typeof import("./docker/stack");
    return { layouts: dockerStack(config, pods) };
  }
  const { kubernetesStack } = require("./kubernetes/stack") as typeof import("./kubernetes/stack");
  return { layouts: kubernetesStack(config, pods) };
}
