// The Secret values a pod reads, masked in every log line podlab quotes (the readiness gate's and the
// init gate's "last log lines"): a failing container that prints its password must not put it in
// `pulumi up`'s output. Kubernetes prints no container log in an apply, so there is nothing to
// compare there; the kubelet keeps Secret values out of its own messages likewise.
import { PodSpec } from "../model/pod-spec";

/** What stands in a quoted log line for a Secret's value. */
export const MASK = "***";

/** Values shorter than this are left alone: masking "1" or "on" would blank out whole logs. */
export const MIN_MASKED_LENGTH = 3;

/**
 * The strings to mask for the pods' Secret values: each value of a variable read from a Secret, as
 * text and in base64, and each of its lines (a log prints a multi-line value line by line), those of
 * MIN_MASKED_LENGTH characters or more, longest first so that a value is masked before any part of
 * it. They reach the gates as one newline-separated list (PODLAB_MASK, a Pulumi secret). A change of
 * such a value replaces the pod (env is read at the start), and the gates with it. A secret volume's
 * files are not listed: they change in place, without touching the gates.
 */
export function secretMasks(specs: PodSpec[]): string[] {
  const values = specs.flatMap((spec) => [...spec.initContainers, ...spec.containers].flatMap((c) => c.env.filter((e) => e.secret).map((e) => e.value)));
  const masks = new Set<string>();
  for (const value of values) {
    for (const text of [value, Buffer.from(value, "utf8").toString("base64")]) {
      for (const part of [text, ...text.split("\n")]) {
        const trimmed = part.replace(/\r$/, "");
        if (trimmed.length >= MIN_MASKED_LENGTH && !trimmed.includes("\n")) masks.add(trimmed);
      }
    }
  }
  return [...masks].sort((a, b) => b.length - a.length);
}
