// The images of a stack's docker-host pods: one RemoteImage per image reference, shared by every pod
// that uses it (ten pods of one image make one image resource, not ten: fewer resources to register,
// diff and delete on every preview, up and destroy).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/** The resource name of an image: readable, and unique per reference (a short hash of it). */
export function imageResourceName(ref: string): string {
  const slug = ref.replace(/[^a-zA-Z0-9.]+/g, "-").replace(/^-+|-+$/g, "");
  return `image-${slug}-${createHash("sha256").update(ref).digest("hex").slice(0, 6)}`;
}

export class StackImages extends pulumi.ComponentResource {
  private readonly byRef = new Map<string, docker.RemoteImage>();

  /**
   * `prefix` goes before each image's resource name: a pod's own images need its name there.
   * `localIds` maps references to the engine's image IDs (host.ts localImageIds): a new ID behind a
   * tag replaces the image resource, and with it every container made from it.
   */
  constructor(name: string, opts?: pulumi.ComponentResourceOptions, private readonly prefix = "", private readonly localIds = new Map<string, string>()) {
    super("podlab:docker:Images", name, {}, opts);
    this.registerOutputs({});
  }

  /**
   * The image `ref` (validated by the caller), made on first use. Containers take its imageId: the
   * provider reads a container's image back as an ID. Kept locally on destroy (podlab's images are
   * built on the host, not pulled).
   */
  get(ref: string): docker.RemoteImage {
    let image = this.byRef.get(ref);
    if (!image) {
      image = new docker.RemoteImage(`${this.prefix}${imageResourceName(ref)}`, { name: ref, keepLocally: true, ...(this.localIds.has(ref) ? { pullTriggers: [this.localIds.get(ref)!] } : {}) }, { parent: this });
      this.byRef.set(ref, image);
    }
    return image;
  }
}
