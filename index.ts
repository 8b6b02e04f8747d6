// podlab's Pulumi program: the pods of the stack's config, on the stack's platform.
import * as pulumi from "@pulumi/pulumi";
import { PodSpecError } from "./components/model/validate";
import { StackPods, stackPods } from "./components/stack";

let pods: StackPods;
try {
  pods = stackPods(new pulumi.Config("podlab"));
} catch (err) {
  // Bad config is the user's to fix: say what and where, without a stack trace.
  if (err instanceof PodSpecError) throw new pulumi.RunError(`invalid stack config: ${err.message}`);
  throw err;
}

/** Each pod's layout: containers, images, limits, namespaces shared, cgroup parent. */
export const layouts = pods.layouts;
