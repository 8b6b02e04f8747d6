// Labels podlab puts on what it creates, so the policies and the live inspection can find the pod's
// parts and the spec they were made from, on either platform.
import { PodSpec } from "./pod-spec";

export const LABEL_POD = "podlab.dev/pod";
export const LABEL_CONTAINER = "podlab.dev/container";
export const LABEL_ROLE = "podlab.dev/role";
export const LABEL_SPEC = "podlab.dev/spec";
/** On a docker-host pod's agent: the pod it keeps. Not LABEL_POD, so it is never taken for a member. */
export const LABEL_AGENT_OF = "podlab.dev/agent-of";

export type Role = "sandbox" | "member" | "init";

export function specLabel(spec: PodSpec): string {
  return JSON.stringify(spec);
}
