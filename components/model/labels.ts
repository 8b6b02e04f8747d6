// Labels podlab puts on what it creates, so the policies and the live inspection can find the pod's
// parts and the spec they were made from, on either platform.
import { createHash } from "node:crypto";
import { newPodSpec, PodSpec } from "./pod-spec";

export const LABEL_POD = "podlab.dev/pod";
export const LABEL_CONTAINER = "podlab.dev/container";
export const LABEL_ROLE = "podlab.dev/role";
export const LABEL_SPEC = "podlab.dev/spec";
/**
 * On a docker-host pod's app container: its image as the model reads it (overrides applied), which
 * the sandbox's spec label leaves out, an app container's image changing in place (docker/pod.ts
 * sandboxSpec). The policy pack reads the pod's spec from both (policies/resources.ts).
 */
export const LABEL_IMAGE = "podlab.dev/image";
/**
 * On a Kubernetes stack's Pod: the hash of what makes a new pod (pod-spec.ts newPodSpec), whose change
 * alone replaces the Pod (replaceOnChanges): an app container's new image is an update.
 */
export const LABEL_POD_HASH = "podlab.dev/pod-hash";

/**
 * The value of LABEL_POD_HASH for a Pod's spec as applied: 16 hex digits of the SHA-256 of its JSON
 * less what changes in place. The manifest's whole spec, not the model's: a field the model does not
 * read (nodeSelector, say) is as immutable to the API server.
 */
export function podHash(spec: { containers: { image?: string }[] }): string {
  return createHash("sha256").update(JSON.stringify(newPodSpec(spec))).digest("hex").slice(0, 16);
}
/** On a docker-host pod's sandbox: the Pulumi stack that owns the pod ("<project>/<stack>"). */
export const LABEL_STACK = "podlab.dev/stack";
/** On a docker-host pod's agent: the pod it keeps. Not LABEL_POD, so it is never taken for a member. */
export const LABEL_AGENT_OF = "podlab.dev/agent-of";

export type Role = "sandbox" | "member" | "init";
/** The role of the container that keeps a claim's Docker volume in use (components/docker/claims.ts). */
export const ROLE_CLAIM_HOLDER = "claim-holder";

/**
 * The spec as a label or annotation records it: without ConfigMap contents, which are no part of a
 * Pod (a ConfigMap update restarts no Pod), and could exceed what a label or annotation holds.
 */
export function specLabel(spec: PodSpec): string {
  // A secret variable is recorded by name only: its value reaches the host inside a Pulumi secret.
  const noSecrets = (cs: PodSpec["containers"]) => cs.map((c) => ({ ...c, env: c.env.map((e) => (e.secret ? { name: e.name, value: "", secret: true } : e)) }));
  return JSON.stringify({
    ...spec,
    initContainers: noSecrets(spec.initContainers),
    containers: noSecrets(spec.containers),
    // Files are left out: a ConfigMap's change updates them in place, and a Secret's values must
    // never reach a label or annotation (which `docker inspect` and kubectl show in plain text).
    volumes: spec.volumes.map((v) => ("configMap" in v ? { name: v.name, configMap: { name: v.configMap.name, files: [] } }
      : "secret" in v ? { name: v.name, secret: { name: v.secret.name, files: [] } }
        : "projected" in v ? { name: v.name, projected: { files: [], secret: v.projected.secret } } : v)),
  });
}

/** On a claim's Docker volume: the claim it is (components/docker/claims.ts). */
export const LABEL_CLAIM = "podlab.dev/claim";
/** On a claim's Docker volume: the claim's StorageClass, fixed as a claim's spec is (checkClaimVolumes). */
export const LABEL_STORAGE_CLASS = "podlab.dev/storage-class";
/** On a claim's Docker volume: the reclaimPolicy it was made with, which a provisioned volume keeps. */
export const LABEL_RECLAIM_POLICY = "podlab.dev/reclaim-policy";
