// Kubernetes manifests in: files of YAML documents holding Pods (and the ConfigMaps, Secrets,
// PersistentVolumeClaims and StorageClasses they use),
// read as kubectl reads them and judged by the Kubernetes API server's own validation
// (podlab-validator, see validator.ts) before anything else reads them. Errors are the API server's,
// with its paths: spec.containers[0].ports[0].containerPort. kubernetes-models gives the types only.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { PodSpecError } from "./validate";
import { ValidatedDocument, validateFiles } from "./validator";

/** One Pod manifest and where it came from. */
export interface PodManifest {
  /** Where it was read, for messages: "pods/foo.yaml: Pod foo". */
  source: string;
  pod: IPod;
  /** The API server's warnings on creating it (deprecated fields, odd values), to show in the run's output. */
  warnings?: string[];
}

export interface Manifests {
  pods: PodManifest[];
  /** ConfigMaps by name, for the pods' configMap volumes and env. */
  configMaps: Map<string, IConfigMap>;
  /** Secrets by name, for the pods' secret volumes: their values become Pulumi secrets wherever they go. */
  secrets: Map<string, ISecret>;
  /** PersistentVolumeClaims by name, for the pods' persistentVolumeClaim volumes (see claims.ts). */
  claims: Map<string, { source: string; claim: IPersistentVolumeClaim }>;
  /** StorageClasses by name (cluster-wide objects): a claim's class gives its volume's reclaimPolicy. */
  storageClasses: Map<string, IStorageClass>;
}

/** The kinds a manifest file may hold, as messages name them. */
const KINDS = ["Pod", "ConfigMap", "Secret", "PersistentVolumeClaim", "StorageClass"];

/** A document's refusals as one message: the API server's first, then how many more and which. */
function refusal(errors: string[]): string {
  return errors.length === 1 ? errors[0] : `${errors[0]} (and ${errors.length - 1} more: ${errors.slice(1).join("; ")})`;
}

/**
 * Reads Kubernetes manifests: each file may hold several YAML documents, read as kubectl reads them
 * (YAML 1.1: `defaultMode: 0400` is octal); each must be a `v1` Pod, ConfigMap, Secret or
 * PersistentVolumeClaim, or a `storage.k8s.io/v1` StorageClass, that the Kubernetes API server of the
 * local cluster's version would create (podlab-validator: strict decoding, defaulting, each kind's
 * registry strategy's validation). Relative paths are taken from `baseDir` (the project's directory);
 * `field` names the config key in messages. Names must be unique per kind across all files. Throws a PodSpecError naming the file, the object and the API server's
 * words ("pods/foo.yaml: Pod foo: spec.volumes[0].hostPath.path: Invalid value: ...: must not contain '..'").
 */
export function loadManifests(files: unknown, baseDir: string, field = "podlab:manifests"): Manifests {
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === "string" && f !== "")) {
    throw new PodSpecError(field, files, "must list at least one manifest file (e.g. [pods/foo.yaml])");
  }
  const texts = files.map((file: string, i) => {
    try {
      return { name: file, text: readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), "utf8") };
    } catch (err) {
      throw new PodSpecError(`${field}[${i}]`, file, `cannot be read: ${(err as Error).message}`);
    }
  });
  const out: Manifests = { pods: [], configMaps: new Map(), secrets: new Map(), claims: new Map(), storageClasses: new Map() };
  const seenPods = new Map<string, string>();
  for (const checked of validateFiles(texts)) {
    const file = checked.name;
    if (checked.error) throw PodSpecError.plain(file, `is not valid YAML: ${checked.error}`);
    for (const doc of checked.documents) read(file, doc);
  }
  function read(file: string, doc: ValidatedDocument): void {
    if (doc.object === undefined && doc.errors.length === 0) return; // an empty document, e.g. after a trailing ---
    const what = KINDS.includes(doc.kind ?? "") ? doc.kind : "document";
    const source = `${file}: ${what} ${doc.name ? doc.name : `(document ${doc.index})`}`;
    if (doc.errors.length) throw PodSpecError.plain(source, refusal(doc.errors));
    const name = doc.name!;
    if (doc.kind === "ConfigMap") {
      if (out.configMaps.has(name)) throw new PodSpecError(`${source}: metadata.name`, name, "is the name of another ConfigMap");
      out.configMaps.set(name, doc.object as unknown as IConfigMap);
      return;
    }
    if (doc.kind === "Secret") {
      // Its name only: a message never shows a Secret's values.
      if (out.secrets.has(name)) throw PodSpecError.plain(`${source}: metadata.name`, `${JSON.stringify(name)} is the name of another Secret`);
      out.secrets.set(name, doc.object as unknown as ISecret);
      return;
    }
    if (doc.kind === "PersistentVolumeClaim") {
      const other = out.claims.get(name);
      if (other) {
        const ns = (c: IPersistentVolumeClaim) => c.metadata?.namespace ?? "default";
        throw new PodSpecError(`${source}: metadata.name`, name, `is the name of another PersistentVolumeClaim (${other.source}, namespace ${ns(other.claim)}; this one's ${ns(doc.object as unknown as IPersistentVolumeClaim)}): podlab keeps one claim per name, whatever its namespace (on a Docker host, each is the volume pvc_<name>)`);
      }
      out.claims.set(name, { source, claim: doc.object as unknown as IPersistentVolumeClaim });
      return;
    }
    if (doc.kind === "StorageClass") {
      if (out.storageClasses.has(name)) throw new PodSpecError(`${source}: metadata.name`, name, "is the name of another StorageClass");
      out.storageClasses.set(name, doc.object as unknown as IStorageClass);
      return;
    }
    const other = seenPods.get(name);
    if (other) throw new PodSpecError(`${source}: metadata.name`, name, `is already the name of a Pod in ${other}`);
    seenPods.set(name, file);
    out.pods.push({ source, pod: doc.object as unknown as IPod, warnings: doc.warnings });
  }
  if (out.pods.length === 0) throw new PodSpecError(field, files, "hold no Pod");
  return out;
}

/**
 * Adds the Secrets of a text of YAML documents that is itself a secret (stack config set with
 * `--secret`) to `into`, each judged by the API server's validation as a manifest file's are. Only
 * Secrets may be there; a name another Secret has is refused. Messages name the config key, the
 * document and the field, never a value.
 */
export function addSecretManifests(text: string, field: string, into: Manifests): void {
  const [checked] = validateFiles([{ name: field, text }]);
  if (checked.error) throw PodSpecError.plain(field, "is not valid YAML (its text is a secret: not shown)");
  for (const doc of checked.documents) {
    if (doc.object === undefined && doc.errors.length === 0) continue;
    const source = `${field}: ${doc.kind === "Secret" ? "Secret" : "document"} ${doc.name ?? `(document ${doc.index})`}`;
    if (doc.kind !== "Secret") throw PodSpecError.plain(source, `is a ${doc.kind || "document without a kind"}: only Secrets belong in ${field} (Pods and ConfigMaps go in podlab:manifests)`);
    if (doc.errors.length) throw PodSpecError.plain(source, refusal(doc.errors));
    if (into.secrets.has(doc.name!)) throw PodSpecError.plain(`${source}: metadata.name`, `${JSON.stringify(doc.name)} is the name of another Secret`);
    into.secrets.set(doc.name!, doc.object as unknown as ISecret);
  }
}
