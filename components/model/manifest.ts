// Kubernetes manifests in: files of YAML documents holding Pods (and the ConfigMaps they mount),
// validated against the Kubernetes OpenAPI schema by kubernetes-models before anything else reads
// them. Paths in errors are written as kubectl writes them: spec.containers[0].ports[0].containerPort.
import { ConfigMap, IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { IPod, Pod } from "kubernetes-models/v1/Pod";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { PodSpecError } from "./validate";

/** One Pod manifest and where it came from. */
export interface PodManifest {
  /** Where it was read, for messages: "pods/foo.yaml: Pod foo". */
  source: string;
  pod: IPod;
}

export interface Manifests {
  pods: PodManifest[];
  /** ConfigMaps by name, for the pods' configMap volumes. */
  configMaps: Map<string, IConfigMap>;
}

type Kind = "Pod" | "ConfigMap";
const MODELS: Record<Kind, { prototype: { validate(): void } }> = { Pod, ConfigMap };

/** "/spec/containers/0/image" as kubectl writes it: "spec.containers[0].image". */
export function kubectlPath(pointer: string): string {
  return pointer
    .split("/")
    .filter((p) => p !== "")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^[0-9]+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * One message for a field's schema errors. An int-or-string or a quantity is a oneOf: its branches
 * each fail, so say what would do ("must be string or integer", or the format it misses).
 */
function schemaMessage(errors: SchemaError[]): string {
  const format = errors.find((e) => e.keyword === "format");
  if (format?.params?.format === "quantity") return "is not a Kubernetes quantity (e.g. 256Mi, 500m, 1)";
  const specific = errors.find((e) => !["type", "oneOf", "anyOf"].includes(e.keyword));
  if (specific) {
    const allowed = specific.params?.allowedValues as unknown[] | undefined;
    return `${specific.message ?? "is invalid"}${allowed ? ` (one of ${allowed.join(", ")})` : ""}`;
  }
  const types = errors.filter((e) => e.keyword === "type").map((e) => e.params?.type);
  return `must be ${types.join(" or ")}`;
}

/**
 * Validates a document against its kind's OpenAPI schema (kubernetes-models' compiled validators).
 * The schema leaves additionalProperties open, so unknown fields are found by watching what the
 * validator reads: it reads every property the schema declares, and enumerates the keys of maps
 * (labels, limits); a key it never read is not in the schema, which the API server's strict field
 * validation refuses as `unknown field "spec.containers[0].bogus"`. Throws a PodSpecError.
 */
export function validateDocument(kind: Kind, doc: Record<string, unknown>, source: string): void {
  const read = new Map<string, Set<string>>();
  const maps = new Set<string>();
  const watch = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value as object, {
      get(target, key) {
        if (typeof key === "string") {
          if (!read.has(path)) read.set(path, new Set());
          read.get(path)!.add(key);
        }
        return watch(Reflect.get(target, key), `${path}/${String(key)}`);
      },
      ownKeys(target) {
        maps.add(path);
        return Reflect.ownKeys(target);
      },
    });
  };
  try {
    MODELS[kind].prototype.validate.call(watch(doc, ""));
  } catch (err) {
    const errors = (err as { errors?: SchemaError[] }).errors;
    if (!errors?.length) throw err;
    const path = errors[0].instancePath;
    const value = path.split("/").slice(1).reduce<any>((v, k) => v?.[k], doc);
    throw new PodSpecError(`${source}: ${kubectlPath(path) || "(document)"}`, value, schemaMessage(errors.filter((e) => e.instancePath === path)));
  }
  const unknown = (value: unknown, path: string): void => {
    if (value === null || typeof value !== "object" || maps.has(path)) return;
    for (const [key, child] of Object.entries(value)) {
      if (!Array.isArray(value) && !read.get(path)?.has(key)) {
        throw new PodSpecError(`${source}: ${kubectlPath(`${path}/${key}`)}`, child, `is an unknown field (not in the Kubernetes ${kind} schema)`);
      }
      unknown(child, `${path}/${key}`);
    }
  };
  unknown(doc, "");
}

/**
 * Reads Kubernetes manifests: each file may hold several YAML documents; each document must be a
 * `v1` Pod or ConfigMap and valid by the Kubernetes schema. Relative paths are taken from `baseDir`
 * (the project's directory); `field` names the config key in messages. Pod and ConfigMap names must
 * be unique across all files. Throws a PodSpecError naming the file, the object and the field path.
 */
export function loadManifests(files: unknown, baseDir: string, field = "podlab:manifests"): Manifests {
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === "string" && f !== "")) {
    throw new PodSpecError(field, files, "must list at least one manifest file (e.g. [pods/foo.yaml])");
  }
  const out: Manifests = { pods: [], configMaps: new Map() };
  const seenPods = new Map<string, string>();
  files.forEach((file: string, i) => {
    let text: string;
    try {
      text = readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), "utf8");
    } catch (err) {
      throw new PodSpecError(`${field}[${i}]`, file, `cannot be read: ${(err as Error).message}`);
    }
    parseAllDocuments(text).forEach((document, d) => {
      const where = `${file}, document ${d + 1}`;
      if (document.errors.length) throw PodSpecError.plain(where, `is not valid YAML: ${document.errors[0].message}`);
      const doc = document.toJS();
      if (doc === null || doc === undefined) return; // an empty document, e.g. after a trailing ---
      if (typeof doc !== "object" || Array.isArray(doc)) throw new PodSpecError(where, doc, "is not a Kubernetes object");
      if (doc.apiVersion !== "v1" || (doc.kind !== "Pod" && doc.kind !== "ConfigMap")) {
        throw new PodSpecError(`${where}: kind`, `${doc.apiVersion}/${doc.kind}`, "is not a v1 Pod or ConfigMap, the kinds podlab reads");
      }
      const name = doc.metadata?.name;
      const source = `${file}: ${doc.kind} ${typeof name === "string" ? name : `(document ${d + 1})`}`;
      validateDocument(doc.kind, doc, source);
      if (typeof name !== "string") throw new PodSpecError(`${source}: metadata.name`, name, "is required");
      if (doc.kind === "ConfigMap") {
        if (out.configMaps.has(name)) throw new PodSpecError(`${source}: metadata.name`, name, "is the name of another ConfigMap");
        out.configMaps.set(name, doc);
        return;
      }
      const other = seenPods.get(name);
      if (other) throw new PodSpecError(`${source}: metadata.name`, name, `is already the name of a Pod in ${other}`);
      seenPods.set(name, file);
      out.pods.push({ source, pod: doc });
    });
  });
  if (out.pods.length === 0) throw new PodSpecError(field, files, "hold no Pod");
  return out;
}
