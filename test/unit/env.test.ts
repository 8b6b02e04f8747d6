// A container's environment as the kubelet makes it (components/model/env.ts): envFrom, then env;
// literal values expanded against the variables so far, values from other sources taken as they are.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { containerEnv, EnvOptions } from "../../components/model/env";

const cm = (name: string, data: Record<string, string>): [string, IConfigMap] => [name, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data }];
const configMaps = new Map([cm("settings", { "log.level": "debug", "REGION": "eu-1", "bad=key": "x", "REF": "$(A)" }), cm("more", { REGION: "us-2" })]);
const node = { name: "box", cpuMillis: 2000, memoryBytes: 8 * 2 ** 30 };
// data in base64, stringData written over it, as the API server merges them.
const secrets = new Map<string, ISecret>([["db", { apiVersion: "v1", kind: "Secret", metadata: { name: "db" },
  data: { PASSWORD: Buffer.from("hunter2").toString("base64"), USER: Buffer.from("old").toString("base64") }, stringData: { USER: "admin" } }]]);
const docker: EnvOptions = { configMaps, secrets, strict: true, node };

function pod(container: object, extra: object = {}): IPod {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { app: "shop" }, annotations: { owner: "team-a" } },
    spec: { containers: [{ name: "app", image: "x", resources: { limits: { memory: "256Mi", cpu: "500m" } }, ...container }, { name: "other", image: "x", resources: { requests: { cpu: "250m" } } }] },
    ...extra,
  } as IPod;
}
const envOf = (p: IPod, options = docker) => containerEnv("Pod web: spec.containers[0]", p.spec!.containers[0], p, options);
const asRecord = (p: IPod, options = docker) => Object.fromEntries(envOf(p, options).map((e) => [e.name, e.value]));

describe("a container's environment, as the kubelet makes it", () => {
  it("expands literal values against the variables before them, keeps unknown ones and $$", () => {
    const p = pod({ env: [{ name: "A", value: "alpha" }, { name: "B", value: "$(A)-beta" }, { name: "C", value: "$(D)" }, { name: "D", value: "d" }, { name: "E", value: "$$(A)" }] });
    expect(envOf(p)).toEqual([{ name: "A", value: "alpha" }, { name: "B", value: "alpha-beta" }, { name: "C", value: "$(D)" }, { name: "D", value: "d" }, { name: "E", value: "$(A)" }]);
  });

  it("takes envFrom's keys first, with their prefix, skipping invalid names; env replaces them; values from sources are not expanded", () => {
    const p = pod({
      envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }, { configMapRef: { name: "more" } }, { configMapRef: { name: "absent", optional: true } }],
      env: [{ name: "A", value: "alpha" }, { name: "REGION", value: "$(CFG_REGION)!" }, { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "log.level" } } },
        { name: "RAW", valueFrom: { configMapKeyRef: { name: "settings", key: "REF" } } }, { name: "GONE", valueFrom: { configMapKeyRef: { name: "settings", key: "nope", optional: true } } }],
    });
    expect(envOf(p)).toEqual([
      { name: "CFG_REF", value: "$(A)" }, { name: "CFG_REGION", value: "eu-1" }, { name: "CFG_log.level", value: "debug" },
      { name: "REGION", value: "eu-1!" }, { name: "A", value: "alpha" }, { name: "LEVEL", value: "debug" }, { name: "RAW", value: "$(A)" },
    ]);
  });

  it("gives the pod's fields and the node's name from fieldRef", () => {
    const p = pod({ env: ["metadata.name", "metadata.namespace", "metadata.labels['app']", "metadata.annotations['owner']", "metadata.labels['none']", "spec.nodeName"]
      .map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })) });
    expect(Object.values(asRecord(p))).toEqual(["web", "default", "shop", "team-a", "", "box"]);
  });

  it("gives limits and requests from resourceFieldRef, divided and rounded up; unset limits are the node's", () => {
    const ref = (resource: string, divisor?: string, containerName?: string) => ({ valueFrom: { resourceFieldRef: { resource, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) } } });
    const p = pod({ env: [
      { name: "MEM", ...ref("limits.memory", "1Mi") }, { name: "MEM_B", ...ref("limits.memory") }, { name: "CPU", ...ref("limits.cpu") }, { name: "CPU_M", ...ref("limits.cpu", "1m") },
      { name: "REQ_CPU", ...ref("requests.cpu", "1m") }, { name: "OTHER_CPU", ...ref("requests.cpu", "1m", "other") }, { name: "OTHER_LIMIT", ...ref("limits.memory", "1Gi", "other") },
      { name: "OTHER_MEM_REQ", ...ref("requests.memory", undefined, "other") },
    ] });
    // 500m is 1 core rounded up; the request defaults to the limit written; other's limit is the node's 8Gi.
    expect(asRecord(p)).toEqual({ MEM: "256", MEM_B: String(256 * 2 ** 20), CPU: "1", CPU_M: "500", REQ_CPU: "500", OTHER_CPU: "250", OTHER_LIMIT: "8", OTHER_MEM_REQ: "0" });
  });

  it("refuses on the docker platform what it cannot give, naming the field", () => {
    const refuse = (env: object[], envFrom?: object[]) => () => envOf(pod({ env, ...(envFrom ? { envFrom } : {}) }));
    expect(refuse([{ name: "X", valueFrom: { configMapKeyRef: { name: "absent", key: "k" } } }])).toThrow(
      'Pod web: spec.containers[0].env[0].valueFrom.configMapKeyRef.name: "absent" is not the name of a ConfigMap in the stack\'s manifests (mark the reference optional: true to run without it)');
    expect(refuse([{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "nope" } } }])).toThrow(
      'Pod web: spec.containers[0].env[0].valueFrom.configMapKeyRef.key: "nope" is not a key of ConfigMap settings (mark the reference optional: true to run without it)');
    expect(refuse([], [{ configMapRef: { name: "absent" } }])).toThrow('Pod web: spec.containers[0].envFrom[0].configMapRef.name: "absent" is not the name of a ConfigMap');
    expect(refuse([{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }])).toThrow(
      'Pod web: spec.containers[0].env[0].valueFrom.secretKeyRef.name: "absent" is not the name of a Secret in the stack\'s manifests (mark the reference optional: true to run without it)');
    expect(refuse([{ name: "X", valueFrom: { secretKeyRef: { name: "db", key: "nope" } } }])).toThrow(
      'Pod web: spec.containers[0].env[0].valueFrom.secretKeyRef.key: "nope" is not a key of Secret db (mark the reference optional: true to run without it)');
    expect(refuse([], [{ secretRef: { name: "absent" } }])).toThrow('Pod web: spec.containers[0].envFrom[0].secretRef.name: "absent" is not the name of a Secret in the stack\'s manifests');
    expect(refuse([{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } }])).toThrow(
      'Pod web: spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "spec.serviceAccountName" is not rendered on the docker platform: a Docker host has no Kubernetes API identities');
    expect(refuse([{ name: "X", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } }])).toThrow("a Docker pod has no UID");
    expect(refuse([{ name: "X", valueFrom: { resourceFieldRef: { resource: "limits.ephemeral-storage" } } }])).toThrow(
      'Pod web: spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: "limits.ephemeral-storage" is not rendered on the docker platform');
  });

  it("reads Secrets as ConfigMaps, and marks every value a Secret gave, or a literal that read one, secret", () => {
    const p = pod({
      envFrom: [{ secretRef: { name: "db" }, prefix: "DB_" }, { secretRef: { name: "absent", optional: true } }],
      env: [{ name: "PASS", valueFrom: { secretKeyRef: { name: "db", key: "PASSWORD" } } }, { name: "URL", value: "pg://$(DB_USER):$(PASS)@db" },
        { name: "PLAIN", value: "$(NONE)" }, { name: "GONE", valueFrom: { secretKeyRef: { name: "db", key: "nope", optional: true } } },
        { name: "DB_USER", value: "override" }],
    });
    expect(envOf(p)).toEqual([
      { name: "DB_PASSWORD", value: "hunter2", secret: true }, { name: "DB_USER", value: "override" },
      { name: "PASS", value: "hunter2", secret: true }, { name: "URL", value: "pg://admin:hunter2@db", secret: true }, { name: "PLAIN", value: "$(NONE)" },
    ]);
  });

  it("leaves the pod's and host's IPs, and literals that read them, to the container's start", () => {
    const p = pod({ env: [{ name: "A", value: "a" }, { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "URL", value: "http://$(IP):$(A)/$$x" }, { name: "HOSTS", valueFrom: { fieldRef: { fieldPath: "status.hostIPs" } } }, { name: "B", value: "$(A)" }] });
    // What is known is expanded now, escaped; the rest stays $(NAME) for env-exec.
    expect(envOf(p)).toEqual([{ name: "A", value: "a" }, { name: "IP", value: "", runtime: "status.podIP" },
      { name: "URL", value: "http://$(IP):a/$$x", runtime: "expand" }, { name: "HOSTS", value: "", runtime: "status.hostIPs" }, { name: "B", value: "a" }]);
    // A name set earlier keeps its place but takes its last value; a later redefinition is not seen.
    const q = pod({ envFrom: [{ configMapRef: { name: "settings" } }], env: [{ name: "C", value: "old$$" }, { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "REGION", value: "$(IP):7000 $(C) $(NOPE) $(LATER)" }, { name: "C", value: "new" }, { name: "LATER", value: "l" }] });
    expect(envOf(q).find((e) => e.name === "REGION")).toEqual({ name: "REGION", value: "$(IP):7000 old$$ $$(NOPE) $$(LATER)", runtime: "expand" });
  });

  it("on Kubernetes refuses nothing: what the cluster holds or the kubelet knows is left to them", () => {
    const p = pod({ envFrom: [{ secretRef: { name: "s" } }, { configMapRef: { name: "in-cluster" } }],
      env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }, { name: "K", valueFrom: { configMapKeyRef: { name: "in-cluster", key: "k" } } }, { name: "L", value: "x" }] });
    expect(envOf(p, { configMaps, strict: false })).toEqual([{ name: "IP", value: "", runtime: "status.podIP" }, { name: "L", value: "x" }]);
  });
});

describe("a divisor of zero", () => {
  it("is the kubelet's 1, as kubectl prints it (divisor: \"0\")", () => {
    const p = pod({ env: [{ name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "0" } } }] });
    expect(asRecord(p)).toEqual({ MEM: String(256 * 2 ** 20) });
  });
});
