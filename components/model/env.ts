// A container's environment as the kubelet makes it (kubernetes pkg/kubelet/kubelet_pods.go,
// makeEnvironmentVariables): envFrom's sources first, in order, each key (with its prefix) a variable;
// then env, in order, replacing a variable of the same name. A literal value has $(VAR) expanded
// against the variables so far (expansion.ts); a value from valueFrom is taken as it is. The result
// is final: renderers pass it on as it is, and expand command and args against it.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import { expand } from "./expansion";
import { LABEL_POD } from "./labels";
import { parseCpu, parseMemory } from "./quantity";
import { PodSpecError } from "./validate";

type K8sContainer = NonNullable<IPod["spec"]>["containers"][number];
type K8sEnvVar = NonNullable<K8sContainer["env"]>[number];
type ResourceFieldRef = NonNullable<NonNullable<K8sEnvVar["valueFrom"]>["resourceFieldRef"]>;

/** One variable of a container's final environment. */
export interface EnvVar {
  name: string;
  value: string;
}

/**
 * What the node tells a pod, on the docker platform the Docker host (`docker info`): its name for
 * `fieldRef: spec.nodeName`, and its CPUs (millicores) and memory (bytes), which the kubelet gives
 * for a limit the container does not set (its node allocatable).
 */
export interface NodeFacts {
  name: string;
  cpuMillis: number;
  memoryBytes: number;
}

export interface EnvOptions {
  configMaps: Map<string, IConfigMap>;
  /** Docker: refuse what cannot be resolved before anything runs; Kubernetes: resolve what can be. */
  strict: boolean;
  /** Unknown in the checks made before the engine is asked: spec.nodeName reads as "", an unset limit as 0. */
  node?: NodeFacts;
}

// The kubelet skips envFrom keys that are not valid names and records an event; since Kubernetes
// 1.32 (RelaxedEnvironmentVariableValidation) a name is any printable ASCII but "=" (IsRelaxedEnvVarName).
const RELAXED_ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

/**
 * A whole map as the downward API writes it to a file (k8s.io/kubernetes pkg/fieldpath FormatMap):
 * `key="value"` lines sorted by key, the value quoted as Go's %q quotes it (JSON's quoting for the
 * printable text labels and annotations hold).
 */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join("\n");
}

/**
 * The pod fields `fieldRef` reads on the docker platform (the kubelet's podFieldSelectorRuntimeValue,
 * and pkg/fieldpath ExtractFieldPathAsString for whole label and annotation maps, which only
 * downwardAPI volumes may ask for). `at` is the fieldRef's parent path.
 */
export function fieldValue(at: string, fieldPath: string, pod: IPod, options: EnvOptions): string | undefined {
  // The pod's labels as both stacks give them: the kubernetes stack adds podlab's own (LABEL_POD).
  const labels: Record<string, string> = { ...pod.metadata?.labels, [LABEL_POD]: pod.metadata?.name ?? "" };
  const meta = { ...pod.metadata, labels };
  if (fieldPath === "metadata.labels") return formatMap(meta.labels);
  if (fieldPath === "metadata.annotations") return formatMap(meta.annotations);
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (subscript) return (subscript[1] === "labels" ? meta.labels : meta.annotations)?.[subscript[2]] ?? "";
  if (fieldPath === "metadata.name") return meta.name ?? "";
  // A Docker pod is in no namespace: the manifest's, else "default", as the API server would place it.
  if (fieldPath === "metadata.namespace") return meta.namespace ?? "default";
  if (fieldPath === "spec.nodeName") return options.node?.name ?? "";
  if (!options.strict) return undefined;
  const why: Record<string, string> = {
    "metadata.uid": "a Docker pod has no UID (the API server gives one)",
    "spec.serviceAccountName": "a Docker host has no Kubernetes API identities",
  };
  throw new PodSpecError(`${at}.fieldRef.fieldPath`, fieldPath,
    `is not rendered on the docker platform: ${why[fieldPath] ?? "the pod's and host's addresses are not given to its containers there (metadata.name, metadata.namespace, metadata.labels['…'], metadata.annotations['…'] and spec.nodeName are)"}`);
}

/**
 * `resourceFieldRef`: a limit or request of the container (or of containerName's), divided by the
 * divisor and rounded up (the kubelet's ExtractContainerResourceValue, pkg/api/v1/resource/helpers.go:
 * CPU in cores by default, memory in bytes). An unset limit is the node's allocatable
 * (defaultPodLimitsForDownwardAPI); an unset request is the limit written, else 0 (the API server's
 * defaulting, then Quantity's zero).
 */
export function resourceValue(at: string, ref: ResourceFieldRef, self: K8sContainer | undefined, pod: IPod, options: EnvOptions): string | undefined {
  const where = `${at}.resourceFieldRef`;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const c = ref.containerName ? all.find((x) => x.name === ref.containerName) : self;
  if (!c) {
    if (!options.strict) return undefined;
    throw new PodSpecError(`${where}.containerName`, ref.containerName, "is not the name of a container of the pod");
  }
  const [kind, resource] = ref.resource.split(".") as ["limits" | "requests", string];
  const text = (q: unknown) => (q === undefined ? undefined : String(q));
  const parse = resource === "cpu" ? parseCpu : resource === "memory" ? parseMemory : undefined;
  if (parse) {
    const r = resource as "cpu" | "memory";
    const [limit, request] = [text(c.resources?.limits?.[r]), text(c.resources?.requests?.[r])];
    const allocatable = r === "cpu" ? options.node?.cpuMillis : options.node?.memoryBytes;
    const amount = kind === "limits" ? (limit === undefined ? allocatable ?? 0 : parse(limit)) : parse(request ?? limit ?? "0");
    // A zero divisor (kubectl prints `divisor: "0"`) is the kubelet's 1, as an unset one.
    const divisor = parse(text(ref.divisor) ?? "1") || parse("1");
    if (amount !== undefined && divisor) return String(Math.ceil(amount / divisor));
    if (!options.strict) return undefined;
    throw new PodSpecError(`${where}.divisor`, text(ref.divisor), "is not a divisor the docker platform reads (CPU: 1, 1m; memory: 1, 1k to 1T, 1Ki to 1Ti)");
  }
  if (!options.strict) return undefined;
  throw new PodSpecError(`${where}.resource`, ref.resource, "is not rendered on the docker platform (limits.cpu, limits.memory, requests.cpu and requests.memory are)");
}

/** A ConfigMap of the manifests; undefined when absent and optional (or, on Kubernetes, absent). */
function configMapOf(at: string, name: string, optional: boolean | undefined, options: EnvOptions): IConfigMap | undefined {
  const cm = options.configMaps.get(name);
  if (cm || optional || !options.strict) return cm;
  throw new PodSpecError(at, name, "is not the name of a ConfigMap in the stack's manifests (mark the reference optional: true to run without it)");
}

/**
 * The container's final environment, in the order names first appear, each with its last value.
 * Throws a PodSpecError (on the docker platform) naming the field for a ConfigMap or key that is
 * missing and not optional, a secret source (not rendered yet), and a field or resource the docker
 * platform cannot give. On Kubernetes what cannot be resolved here is left out (the kubelet resolves it).
 */
export function containerEnv(at: string, c: K8sContainer, pod: IPod, options: EnvOptions): EnvVar[] {
  const vars = new Map<string, string>();
  (c.envFrom ?? []).forEach((from, i) => {
    const here = `${at}.envFrom[${i}]`;
    if (from.secretRef) {
      if (options.strict) throw PodSpecError.plain(`${here}.secretRef`, "Secrets are not rendered on the docker platform yet (see the README's support table)");
      return;
    }
    const ref = from.configMapRef!;
    const cm = configMapOf(`${here}.configMapRef.name`, ref.name ?? "", ref.optional, options);
    for (const [key, value] of Object.entries(cm?.data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const name = `${from.prefix ?? ""}${key}`;
      if (RELAXED_ENV_NAME.test(name)) vars.set(name, value);
    }
  });
  (c.env ?? []).forEach((e, j) => {
    const here = `${at}.env[${j}]`;
    const from = e.valueFrom;
    if (!from) {
      vars.set(e.name, expand(e.value ?? "", (n) => vars.get(n)));
      return;
    }
    let value: string | undefined;
    if (from.secretKeyRef) {
      if (options.strict) throw PodSpecError.plain(`${here}.valueFrom.secretKeyRef`, "Secrets are not rendered on the docker platform yet (see the README's support table)");
    } else if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const cm = configMapOf(`${here}.valueFrom.configMapKeyRef.name`, ref.name ?? "", ref.optional, options);
      value = cm?.data?.[ref.key];
      if (cm && value === undefined && !ref.optional && options.strict) {
        throw new PodSpecError(`${here}.valueFrom.configMapKeyRef.key`, ref.key, `is not a key of ConfigMap ${ref.name} (mark the reference optional: true to run without it)`);
      }
    } else if (from.fieldRef) {
      value = fieldValue(`${here}.valueFrom`, from.fieldRef.fieldPath, pod, options);
    } else if (from.resourceFieldRef) {
      value = resourceValue(`${here}.valueFrom`, from.resourceFieldRef, c, pod, options);
    } else if (options.strict) {
      throw PodSpecError.plain(`${here}.valueFrom`, `${Object.keys(from).join(", ")} is not rendered on the docker platform (see the README's support table)`);
    }
    // An optional reference that finds nothing sets no variable, as the kubelet does.
    if (value !== undefined) vars.set(e.name, value);
  });
  return [...vars].map(([name, value]) => ({ name, value }));
}
