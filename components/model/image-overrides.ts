// Image overrides in the shape of kustomize's `images:` field
// (https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/): there is no
// registry here, so a manifest's image names are mapped to images built on this host.
import { checkImage, PodSpecError } from "./validate";

/** One kustomize `images:` entry: the image `name` (without tag) and what replaces its parts. */
export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** The walkthrough's images, mapped to podlab's local builds (images/httpbin, images/curl). */
export const DEFAULT_IMAGE_OVERRIDES: readonly ImageOverride[] = [
  { name: "docker.io/kennethreitz/httpbin", newName: "podlab/httpbin", newTag: "0.1" },
  { name: "kennethreitz/httpbin", newName: "podlab/httpbin", newTag: "0.1" },
  { name: "curlimages/curl", newName: "podlab/curl", newTag: "0.1" },
  { name: "docker.io/curlimages/curl", newName: "podlab/curl", newTag: "0.1" },
];

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** An image reference split as kustomize splits it: name, then ":tag" or "@digest". */
function splitImage(ref: string): { name: string; suffix: string } {
  const at = ref.indexOf("@");
  if (at >= 0) return { name: ref.slice(0, at), suffix: ref.slice(at) };
  const colon = ref.lastIndexOf(":");
  // A colon before the last "/" is a registry's port, not a tag.
  if (colon > ref.lastIndexOf("/")) return { name: ref.slice(0, colon), suffix: ref.slice(colon) };
  return { name: ref, suffix: "" };
}

/**
 * Checks the `podlab:images` config and puts it over the defaults (an entry replaces the default of
 * the same name). Throws a PodSpecError naming the entry's field and value.
 */
export function imageOverrides(value: unknown, field = "podlab:images"): ImageOverride[] {
  if (value === undefined) return [...DEFAULT_IMAGE_OVERRIDES];
  if (!Array.isArray(value)) throw new PodSpecError(field, value, "is not a list of { name, newName?, newTag?, digest? } (kustomize's images)");
  const given = value.map((o, i): ImageOverride => {
    const at = `${field}[${i}]`;
    if (typeof o !== "object" || o === null) throw new PodSpecError(at, o, "is not { name, newName?, newTag?, digest? }");
    const unknown = Object.keys(o).find((k) => !["name", "newName", "newTag", "digest"].includes(k));
    if (unknown) throw new PodSpecError(`${at}.${unknown}`, o[unknown], "is not a field of an image override (name, newName, newTag, digest)");
    checkImage(`${at}.name`, o.name);
    if (o.newName !== undefined) checkImage(`${at}.newName`, o.newName);
    if (o.newTag !== undefined && (typeof o.newTag !== "string" || !TAG.test(o.newTag))) throw new PodSpecError(`${at}.newTag`, o.newTag, "is not an image tag");
    if (o.digest !== undefined && (typeof o.digest !== "string" || !DIGEST.test(o.digest))) throw new PodSpecError(`${at}.digest`, o.digest, "is not a digest sha256:<64 hex digits>");
    return o;
  });
  const names = new Set(given.map((o) => o.name));
  return [...given, ...DEFAULT_IMAGE_OVERRIDES.filter((o) => !names.has(o.name))];
}

/** The image a reference becomes under the overrides (unchanged when none names it). */
export function overrideImage(ref: string, overrides: readonly ImageOverride[]): string {
  const { name, suffix } = splitImage(ref);
  const o = overrides.find((x) => x.name === name);
  if (!o) return ref;
  const tail = o.digest ? `@${o.digest}` : o.newTag ? `:${o.newTag}` : suffix;
  return `${o.newName ?? name}${tail}`;
}

/** A copy of a Pod manifest with every container's image overridden; nothing else changes. */
export function withImages<T extends { spec?: { containers: { image?: string }[]; initContainers?: { image?: string }[] } }>(pod: T, overrides: readonly ImageOverride[]): T {
  const copy = structuredClone(pod);
  for (const c of [...(copy.spec?.containers ?? []), ...(copy.spec?.initContainers ?? [])]) {
    if (c.image !== undefined) c.image = overrideImage(c.image, overrides);
  }
  return copy;
}
