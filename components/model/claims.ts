// PersistentVolumeClaims of a stack's manifests in the model: each claim is storage of the stack, not
// of a pod, so it outlives every replacement of the pods that mount it. On Kubernetes a provisioner
// makes a PersistentVolume for it; on a Docker host podlab makes a named Docker volume. What becomes of
// the storage when the claim goes is the PersistentVolume's reclaimPolicy, which a dynamically
// provisioned volume takes from its StorageClass (Delete unless the class says Retain).
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import type { PodSpec } from "./pod-spec";
import { PodSpecError } from "./validate";

/**
 * The class a claim without storageClassName gets when the manifests mark none default: "standard",
 * the default StorageClass of minikube and of podlab's local cluster (scripts/local-cluster).
 */
export const DEFAULT_STORAGE_CLASS = "standard";
/** The annotation that makes a StorageClass the default (the DefaultStorageClass admission plugin's). */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/** A claim as the docker platform renders it. */
export interface ClaimSpec {
  /** metadata.name: the claim's name, which pods' persistentVolumeClaim.claimName give. */
  name: string;
  /** Where it was read, for messages: "pods/data.yaml: PersistentVolumeClaim data". */
  source: string;
  /** Its StorageClass: storageClassName, else the manifests' default class, else "standard". */
  storageClassName: string;
  /** The class's reclaimPolicy (Delete unset): Retain keeps the storage after the claim is gone. */
  reclaimPolicy: "Delete" | "Retain";
  /** accessModes holds ReadWriteOncePod: one pod at a time may use it. */
  oncePod: boolean;
}

// Claim fields a Docker host cannot honour: they pick or fill a PersistentVolume that must exist first.
const REFUSED: [keyof NonNullable<IPersistentVolumeClaim["spec"]>, string][] = [
  ["selector", "selects a PersistentVolume made beforehand (static provisioning), which a Docker host has not"],
  ["volumeName", "binds a PersistentVolume made beforehand (static provisioning), which a Docker host has not"],
  ["dataSource", "fills the volume from a snapshot or another claim, which Docker volumes cannot"],
  ["dataSourceRef", "fills the volume from a snapshot or another claim, which Docker volumes cannot"],
  ["volumeAttributesClassName", "names a VolumeAttributesClass, a CSI driver's setting that Docker volumes have not"],
];

/** The StorageClass a claim without storageClassName gets: the manifests' default (admission's DefaultStorageClass), else "standard". */
function defaultClass(classes: Map<string, IStorageClass>): string {
  return [...classes.values()].find((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true")?.metadata?.name ?? DEFAULT_STORAGE_CLASS;
}

/**
 * The manifests' claims for the docker platform: each one's class and reclaimPolicy (Kubernetes'
 * dynamic provisioning: pkg/controller/volume/persistentvolume, whose provisioned volume takes the
 * class's reclaimPolicy). Throws a PodSpecError naming the field for what a Docker host cannot
 * render: volumeMode Block, a selector, volumeName, dataSource(Ref), a VolumeAttributesClass,
 * storageClassName "" (static provisioning) or a class neither among the manifests nor "standard".
 */
export function claimSpecs(claims: Map<string, { source: string; claim: IPersistentVolumeClaim }>, classes: Map<string, IStorageClass>): ClaimSpec[] {
  const fallback = defaultClass(classes);
  return [...claims.values()].map(({ source, claim }) => {
    const spec = claim.spec ?? {};
    if (spec.volumeMode === "Block") throw new PodSpecError(`${source}: spec.volumeMode`, spec.volumeMode, "is not rendered on the docker platform: a Docker volume is a filesystem (Filesystem, the default)");
    for (const [field, why] of REFUSED) {
      if (spec[field] !== undefined) throw new PodSpecError(`${source}: spec.${field}`, spec[field], `${why}: leave it out on the docker platform`);
    }
    const className = spec.storageClassName ?? fallback;
    if (className === "") throw new PodSpecError(`${source}: spec.storageClassName`, "", "asks for a PersistentVolume made beforehand (static provisioning), which a Docker host has not: leave it out, or name a StorageClass");
    const storageClass = classes.get(className);
    if (!storageClass && className !== DEFAULT_STORAGE_CLASS) {
      throw new PodSpecError(`${source}: spec.storageClassName`, className, `is not the name of a StorageClass in the stack's manifests (nor ${DEFAULT_STORAGE_CLASS}, the default): add its StorageClass, whose reclaimPolicy the docker platform follows`);
    }
    const reclaimPolicy = storageClass?.reclaimPolicy === "Retain" ? "Retain" : "Delete";
    return { name: claim.metadata!.name!, source, storageClassName: className, reclaimPolicy, oncePod: (spec.accessModes ?? []).includes("ReadWriteOncePod") };
  });
}

/**
 * Refuses a ReadWriteOncePod claim that two pods mount: Kubernetes runs one pod per such claim, and
 * the scheduler leaves the others Pending (KEP-2485, GA in 1.29). Throws a PodSpecError naming the
 * second pod's volume.
 */
export function checkClaimUse(claims: ClaimSpec[], pods: { spec: PodSpec; source: string }[]): void {
  const oncePod = new Set(claims.filter((c) => c.oncePod).map((c) => c.name));
  const users = new Map<string, string>();
  for (const { spec, source } of pods) {
    spec.volumes.forEach((v, i) => {
      if (!("persistentVolumeClaim" in v) || !oncePod.has(v.persistentVolumeClaim.claimName)) return;
      const claim = v.persistentVolumeClaim.claimName;
      const other = users.get(claim);
      if (other && other !== spec.name) throw new PodSpecError(`${source}: spec.volumes[${i}].persistentVolumeClaim.claimName`, claim, `is a ReadWriteOncePod claim, which pod ${other} mounts already: Kubernetes runs one pod per such claim and leaves the others Pending`);
      users.set(claim, spec.name);
    });
  }
}
