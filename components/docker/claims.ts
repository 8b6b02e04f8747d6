// A PersistentVolumeClaim on a Docker host: a named Docker volume of the stack, apart from every pod,
// so that replacing a pod keeps its data, as a PersistentVolume outlives the Pods that mount it.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ClaimSpec } from "../model/claims";
import { LABEL_CLAIM, LABEL_RECLAIM_POLICY, LABEL_ROLE, LABEL_STACK, LABEL_STORAGE_CLASS, ROLE_CLAIM_HOLDER } from "../model/labels";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostCommand, HostCommand, scriptActions } from "./host-command";
import { claimRecordFile, claimVolumeName } from "./paths";
import { DockerTarget } from "./target";

const RECORD_SCRIPT = readFileSync(join(__dirname, "claim-record.sh"), "utf8");


export interface DockerClaimArgs {
  /** The claim, read and checked (claimSpecs). */
  claim: ClaimSpec;
  /** The stack that owns the volume (stackIdentity), as its label says. */
  stack: string;
  /** The image, by ID, of the volume's holder: podlab's pause (the stack's sandbox image). */
  holderImage: pulumi.Input<string>;
  /** The Docker host: undefined for the local one, or the SSH host (the record is written there). */
  target?: DockerTarget;
}

/**
 * `podlab:docker:PersistentVolumeClaim`: the Docker volume `pvc_<claim>` (local driver, labelled with
 * the claim, the stack, its StorageClass and reclaimPolicy, all fixed when it is made). `pulumi destroy`, or the claim leaving the manifests, removes it, unless
 * its StorageClass's reclaimPolicy is Retain (Pulumi's retainOnDelete: the volume and its data stay on
 * the host, and the next `up` of a claim of that name takes them again). Pods mount it with `nocopy`
 * (pod.ts). A volume of that name that is not the stack's is refused before (checkClaimVolumes).
 * While the claim is in the stack, a holder keeps its volume in use: the container `pvc_<claim>`
 * (the pause program, no network, restarted with the engine), so that `docker volume prune`, which
 * removes the volumes no container uses, never takes a claim's data, as a bound PersistentVolume
 * outlives the Pods that mount it. The underscore keeps its name apart from every pod's container.
 * The host keeps a record that the stack made the volume (`pvc_<claim>-record`, claim-record.sh):
 * should the volume go anyway, the next `up` reads the claim as Lost and refuses to make an empty one
 * (host.ts checkClaimsLost).
 */
export class DockerClaim extends pulumi.ComponentResource {
  /** The Docker volume's name. */
  readonly volumeName: pulumi.Output<string>;
  readonly volume: docker.Volume;
  /** The container that keeps the volume in use while the claim is in the stack. */
  readonly holder: docker.Container;
  /** The host's record that the stack made the volume (claim-record.sh). */
  readonly record: HostCommand;

  constructor(name: string, args: DockerClaimArgs, opts?: pulumi.ComponentResourceOptions) {
    super("podlab:docker:PersistentVolumeClaim", name, {}, opts);
    const volumeName = claimVolumeName(args.claim.name);
    this.volume = new docker.Volume(volumeName, {
      name: volumeName,
      labels: [
        { label: LABEL_CLAIM, value: args.claim.name }, { label: LABEL_STACK, value: args.stack },
        { label: LABEL_STORAGE_CLASS, value: args.claim.storageClassName }, { label: LABEL_RECLAIM_POLICY, value: args.claim.reclaimPolicy },
      ],
    }, {
      parent: this, retainOnDelete: args.claim.reclaimPolicy === "Retain",
      // Docker cannot change a volume's labels or driver: the provider would replace it, and a
      // replacement of the same name is the same volume, deleted with its data. checkClaimVolumes
      // refuses a change that matters (the stack, the class, the reclaimPolicy) before anything is made.
      ignoreChanges: ["labels", "driver", "driverOpts"],
    });
    this.holder = new docker.Container(volumeName, {
      name: volumeName,
      image: args.holderImage,
      networkMode: "none",
      restart: "always",
      memory: 6,
      mounts: [{ type: "volume", source: this.volume.name, target: "/claim", readOnly: true, volumeOptions: { noCopy: true } }],
      labels: [{ label: LABEL_CLAIM, value: args.claim.name }, { label: LABEL_ROLE, value: ROLE_CLAIM_HOLDER }],
    }, { parent: this, deleteBeforeReplace: true });
    // The host's record that the volume was made (claim-record.sh), made after it and removed before.
    this.record = hostCommand(`${volumeName}-record`, scriptActions("claim-record.sh", RECORD_SCRIPT, {
      PODLAB_RECORD: claimRecordFile(args.claim.name), PODLAB_STACK: args.stack, PODLAB_VOLUME: volumeName,
    }), args.target, { parent: this, dependsOn: [this.volume], deleteBeforeReplace: true });
    this.volumeName = this.volume.name;
    this.registerOutputs({ volumeName: this.volumeName, holder: this.holder, record: this.record });
  }
}
