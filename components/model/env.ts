// A container's environment as the kubelet makes it (kubernetes pkg/kubelet/kubelet_pods.go,
// makeEnvironmentVariables): envFrom's sources first, in order, each key (with its prefix) a variable;
// then env, in order, replacing a variable of the same name. A literal value has $(VAR) expanded
// against the variables so far (expansion.ts); a value from valueFrom is taken as it is. The result
// is final: renderers pass it on as it is, and expand command and args against it.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { expand, expandLater } from "./expansion";
import { LABEL_POD } from "./labels";
import { parseCpu, parseMemory } from "./quantity";
import { PodSpecError } from "./validate";

type K8sContainer = NonNullable<IPod["spec"]>["containers"][number];
type K8sEnvVar = NonNullable<K8sContainer["env"]>[number];
type ResourceFieldRef = NonNullable<NonNullable<K8sEnvVar["valueFrom"]>["resourceFieldRef"]>;

/**
 * One variable of a container's final environment. `secret`: its value comes from a Secret (a
 * secretKeyRef, an envFrom secretRef, or a literal whose $(VAR) expansion read one): renderers keep it
 * inside Pulumi secrets, out of labels and out of a container's visible configuration.
 */
export interface EnvVar {
  name: string;
  value: string;
  secret?: true;
  /**
   * Known only when the container starts: a status field (the pod's or the host's IP, `value` ""), or
   * "expand", a literal whose $(VAR) reads one (`value` its expandLater template: what was known
   * expanded, escaped, and `$(NAME)` for those variables). On the docker platform env-exec makes them
   * (env-exec.ts).
   */
  runtime?: StatusField | "expand";
}

/**
 * The status fields fieldRef reads that only exist once the pod runs (the kubelet's
 * podFieldSelectorRuntimeValue): the pod's IPs, and the host's.
 */
export const STATUS_FIELDS = ["status.podIP", "status.podIPs", "status.hostIP", "status.hostIPs"] as const;
export type StatusField = (typeof STATUS_FIELDS)[number];
const isStatusField = (f: string): f is StatusField => (STATUS_FIELDS as readonly string[]).includes(f);

/**
 * What the node tells a pod, on the docker platform the Docker host (`docker info`): its name for
 * `fieldRef: spec.nodeName`, and its CPUs (millicores) and memory (bytes), which the kubelet gives
 * for a limit the container does not set (its node allocatable).
 */
export interface NodeFacts {
  name: string;
  cpuMillis: number;
  memoryBytes: number;
  /**
   * The kernel accounts swap per cgroup (Docker's SwapLimit): a container's memory limit then bounds
   * its memory and swap together, as the kubelet's (no swap for a pod; Docker's default would allow
   * twice the limit). Unknown: false.
   */
  swapLimit?: boolean;
}

export interface EnvOptions {
  configMaps: Map<string, IConfigMap>;
  /** Secrets of the stack's manifests (and podlab:secrets), by name. */
  secrets?: Map<string, ISecret>;
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
    `is not rendered on the docker platform: ${why[fieldPath] ?? "metadata.name, metadata.namespace, metadata.labels['…'], metadata.annotations['…'], spec.nodeName and, in env, status.podIP(s) and status.hostIP(s) are"}`);
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

/** A ConfigMap or Secret of the manifests; undefined when absent and optional (or, on Kubernetes, absent). */
function objectOf<T>(kind: "ConfigMap" | "Secret", at: string, name: string, optional: boolean | undefined, options: EnvOptions): T | undefined {
  const found = (kind === "ConfigMap" ? options.configMaps : options.secrets ?? new Map()).get(name) as T | undefined;
  if (found || optional || !options.strict) return found;
  throw new PodSpecError(at, name, `is not the name of a ${kind} in the stack's manifests (mark the reference optional: true to run without it)`);
}

/**
 * A Secret's keys and values as text: `stringData` written over `data` (base64), as the API server
 * merges them; the kubelet hands a value to the runtime as its bytes (a Go string of them).
 */
export function secretData(secret: ISecret | undefined): Map<string, string> {
  const out = new Map(Object.entries(secret?.data ?? {}).map(([k, b64]) => [k, Buffer.from(b64, "base64").toString("utf8")] as [string, string]));
  for (const [k, text] of Object.entries(secret?.stringData ?? {})) out.set(k, text);
  return out;
}

const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The container's final environment, in the order names first appear, each with its last value, a
 * value read from a Secret marked `secret`. Throws a PodSpecError (on the docker platform) naming the
 * field for a ConfigMap, Secret or key that is missing and not optional, and for a field or resource
 * the docker platform cannot give. On Kubernetes what cannot be resolved here is left out (the kubelet
 * resolves it).
 */
export function containerEnv(at: string, c: K8sContainer, pod: IPod, options: EnvOptions): EnvVar[] {
  const vars = new Map<string, { value: string; secret: boolean; runtime?: EnvVar["runtime"] }>();
  (c.envFrom ?? []).forEach((from, i) => {
    const here = `${at}.envFrom[${i}]`;
    const [kind, ref] = from.secretRef ? ["Secret", from.secretRef] as const : ["ConfigMap", from.configMapRef!] as const;
    const field = kind === "Secret" ? "secretRef" : "configMapRef";
    const found = objectOf<IConfigMap | ISecret>(kind, `${here}.${field}.name`, ref.name ?? "", ref.optional, options);
    const data = kind === "Secret" ? secretData(found as ISecret | undefined) : new Map(Object.entries((found as IConfigMap | undefined)?.data ?? {}));
    for (const [key, value] of [...data].sort(byName)) {
      const name = `${from.prefix ?? ""}${key}`;
      if (RELAXED_ENV_NAME.test(name)) vars.set(name, { value, secret: kind === "Secret" });
    }
  });
  (c.env ?? []).forEach((e, j) => {
    const here = `${at}.env[${j}]`;
    const from = e.valueFrom;
    if (!from) {
      // A literal that reads a secret variable holds its value: it is secret too. One that reads a
      // variable known only at the container's start is expanded then, as written.
      let [secret, runtime] = [false, false];
      const value = expand(e.value ?? "", (n) => {
        const v = vars.get(n);
        if (v?.secret) secret = true;
        if (v?.runtime) runtime = true;
        return v?.value;
      });
      // Known only at the start: what is known now is expanded now, the rest is left to env-exec.
      const template = runtime ? expandLater(e.value ?? "", (n) => vars.get(n)?.value, (n) => vars.get(n)?.runtime !== undefined) : "";
      vars.set(e.name, runtime ? { value: template, secret, runtime: "expand" } : { value, secret });
      return;
    }
    if (from.fieldRef && isStatusField(from.fieldRef.fieldPath)) {
      vars.set(e.name, { value: "", secret: false, runtime: from.fieldRef.fieldPath });
      return;
    }
    let value: string | undefined;
    if (from.secretKeyRef || from.configMapKeyRef) {
      const [kind, ref] = from.secretKeyRef ? ["Secret", from.secretKeyRef] as const : ["ConfigMap", from.configMapKeyRef!] as const;
      const field = `${here}.valueFrom.${kind === "Secret" ? "secretKeyRef" : "configMapKeyRef"}`;
      const found = objectOf<IConfigMap | ISecret>(kind, `${field}.name`, ref.name ?? "", ref.optional, options);
      value = kind === "Secret" ? secretData(found as ISecret | undefined).get(ref.key) : (found as IConfigMap | undefined)?.data?.[ref.key];
      if (found && value === undefined && !ref.optional && options.strict) {
        throw new PodSpecError(`${field}.key`, ref.key, `is not a key of ${kind} ${ref.name} (mark the reference optional: true to run without it)`);
      }
      // An optional reference that finds nothing sets no variable, as the kubelet does.
      if (value !== undefined) vars.set(e.name, { value, secret: kind === "Secret" });
      return;
    } else if (from.fieldRef) {
      value = fieldValue(`${here}.valueFrom`, from.fieldRef.fieldPath, pod, options);
    } else if (from.resourceFieldRef) {
      value = resourceValue(`${here}.valueFrom`, from.resourceFieldRef, c, pod, options);
    } else if (options.strict) {
      throw PodSpecError.plain(`${here}.valueFrom`, `${Object.keys(from).join(", ")} is not rendered on the docker platform (see the README's support table)`);
    }
    if (value !== undefined) vars.set(e.name, { value, secret: false });
  });
  return [...vars].map(([name, v]) => ({ name, value: v.value, ...(v.secret ? { secret: true as const } : {}), ...(v.runtime ? { runtime: v.runtime } : {}) }));
}
