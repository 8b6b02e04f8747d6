// The walkthrough's pod, as tests write it: the Kubernetes manifest of pods/foo.yaml.
import type { IPod } from "kubernetes-models/v1/Pod";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export function fooPod(): IPod {
  return parse(readFileSync(join(__dirname, "../../pods/foo.yaml"), "utf8"));
}

/** The walkthrough's pod under another name. */
export function namedPod(name: string): IPod {
  const pod = fooPod();
  pod.metadata!.name = name;
  return pod;
}
