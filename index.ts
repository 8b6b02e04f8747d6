// podlab's Pulumi program: the pods of the stack's config, on the stack's platform.
import * as pulumi from "@pulumi/pulumi";
import { stackPods } from "./components/stack";

const config = new pulumi.Config("podlab");
const pods = stackPods(config);

/** Each pod's layout: containers, images, limits, namespaces shared, cgroup parent. */
export const layouts = pods.layouts;
