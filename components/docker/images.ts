// The images of a stack's docker-host pods: one RemoteImage per image reference, shared by every pod
// that uses it (ten pods of one image make one image resource, not ten: fewer resources to register,
// diff and delete on every preview, up and destroy).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostIdentity, SshHost } from "./target";

const COPY_SCRIPT = readFileSync(join(__dirname, "images-copy.sh"), "utf8");

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
  private readonly copied?: command.local.Command;

  /**
   * With `copyTo` (a remote host), a child `<name>-copy` copies the images `copy` names from the local
   * engine to the host's (images-copy.sh) before any image resource exists; it runs again when an ID
   * changes, and copies only what the host lacks.
   */
  constructor(name: string, opts?: pulumi.ComponentResourceOptions, private readonly prefix = "", private readonly localIds = new Map<string, string>(),
    copyTo?: { host: SshHost; refs: string[] }) {
    super("podlab:docker:Images", name, {}, opts);
    if (copyTo && copyTo.refs.length) {
      const pairs = copyTo.refs.map((r) => `${r} ${this.localIds.get(r)}`).sort();
      this.copied = new command.local.Command(`${name}-copy`, {
        create: COPY_SCRIPT,
        interpreter: ["/bin/bash", "-c"],
        environment: {
          PODLAB_IMAGES: pairs.join("\n"), PODLAB_SSH_DEST: `${copyTo.host.user}@${copyTo.host.host}`, PODLAB_SSH_PORT: String(copyTo.host.port),
          PODLAB_SSH_IDENTITY: copyTo.host.identityFile, PODLAB_SSH_KNOWN_HOSTS: copyTo.host.knownHostsFile,
        },
        triggers: [hostIdentity(copyTo.host), ...pairs],
      }, { parent: this });
    }
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
      image = new docker.RemoteImage(`${this.prefix}${imageResourceName(ref)}`, { name: ref, keepLocally: true, ...(this.localIds.has(ref) ? { pullTriggers: [this.localIds.get(ref)!] } : {}) }, { parent: this, ...(this.copied ? { dependsOn: [this.copied] } : {}) });
      this.byRef.set(ref, image);
    }
    return image;
  }
}
