// Reading manifest files as `pulumi up` does: kubectl's YAML reading and the Kubernetes API server's
// own validation (podlab-validator), then the model for each platform. Needs podlab-validator
// (`npm run bootstrap`): fails, never skips, without it. Holds issue 18's five cases.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { loadManifests } from "../../components/model/manifest";
import { validatorPath } from "../../components/model/validator";
import { fooPod } from "../unit/fixtures";

const dir = mkdtempSync(join(tmpdir(), "podlab-manifests-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  if (!validatorPath()) throw new Error("podlab-validator is missing: run `npm run bootstrap` (it builds toolchain/validator), then `source .podlab/env`");
});

/** Writes documents (objects, or YAML text as a user writes it) as one file and reads it back as podlab does. */
const load = (...docs: unknown[]) => {
  const file = join(dir, `m${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, docs.map((d) => (typeof d === "string" ? d : stringify(d))).join("---\n"));
  return loadManifests([file], dir);
};
/** The verdict on a platform, as `pulumi up` reaches it: undefined when accepted, else the message. */
const verdict = (platform: "docker" | "kubernetes", ...docs: unknown[]) => {
  try {
    const m = load(...docs);
    for (const p of m.pods) podSpecFromManifest(p.pod, p.source, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: m.configMaps, platform });
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^\/\S+\.yaml: /, "");
  }
};

describe("manifests", () => {
  it("reads several documents, Pods and ConfigMaps, and skips empty ones", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "conf" }, data: { "a.txt": "hello" } };
    const second = { ...fooPod(), metadata: { name: "bar" } };
    const m = load(fooPod(), cm, second, "");
    expect(m.pods.map((p) => p.pod.metadata!.name)).toEqual(["foo", "bar"]);
    expect(m.pods[0].source).toMatch(/\.yaml: Pod foo$/);
    expect([...m.configMaps.keys()]).toEqual(["conf"]);
  });
  it("refuses a wrong type in the API server's words", () => {
    const pod: any = fooPod();
    pod.spec.containers[0].ports[0].containerPort = "80";
    expect(() => load(pod)).toThrow(/: Pod foo: Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort\.spec\.containers\.ports\.containerPort of type int32$/);
    pod.spec.containers[0].ports[0].containerPort = 80;
    pod.spec.containers[0].resources.limits.memory = "256Xi";
    expect(() => load(pod)).toThrow(/: Pod foo: Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression/);
  });
  it("refuses an unknown field with its path, as strict field validation does", () => {
    const pod: any = fooPod();
    pod.spec.containers[1].memory = "128Mi"; // podlab's old dialect, not a Kubernetes field
    expect(() => load(pod)).toThrow(/: Pod foo: Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.containers\[1\]\.memory"$/);
  });
  it("names every refusal of a document, the API server's first", () => {
    const pod: any = fooPod();
    pod.spec.containers[1].name = "app";
    pod.spec.restartPolicy = "Sometimes";
    expect(() => load(pod)).toThrow(/: Pod foo: spec\.containers\[1\]\.name: Duplicate value: "app" \(and 1 more: spec\.restartPolicy: Unsupported value: "Sometimes"/);
  });
  it("accepts any keys in maps such as labels and limits", () => {
    const pod: any = fooPod();
    pod.metadata.labels = { app: "foo", "example.com/team": "x" };
    expect(() => load(pod)).not.toThrow();
  });
  it("refuses kinds other than Pod, ConfigMap, Secret, PersistentVolumeClaim and StorageClass, a missing file, a file without a Pod, and two Pods of one name", () => {
    expect(() => load({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } })).toThrow(/: document s: kind: Unsupported value: "v1\/Service": podlab reads v1 Pod, ConfigMap, Secret and PersistentVolumeClaim objects, and storage.k8s.io\/v1 StorageClass objects$/);
    expect(() => loadManifests(["nope.yaml"], dir)).toThrow(/^podlab:manifests\[0\]: "nope.yaml" cannot be read: ENOENT/);
    expect(() => loadManifests([], dir)).toThrow("podlab:manifests: [] must list at least one manifest file (e.g. [pods/foo.yaml])");
    expect(() => load({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })).toThrow(/hold no Pod$/);
    expect(() => load(fooPod(), fooPod())).toThrow(/: Pod foo: metadata.name: "foo" is already the name of a Pod in /);
  });
  it("keeps the API server's warnings for the run's output", () => {
    const pod: any = fooPod();
    pod.spec.containers[1].ports = [{ containerPort: 80 }];
    expect(load(pod).pods[0].warnings!.join("\n")).toMatch(/spec\.containers\[1\]\.ports\[0\]: duplicate port definition/);
  });
});

describe("issue 18's five cases", () => {
  const MOUNTS = (second: string) => `apiVersion: v1
kind: Pod
metadata: {name: mounts}
spec:
  containers:
    - name: app
      image: podlab/curl:0.1
      volumeMounts:
        - {name: a, mountPath: /data}
        - {name: b, mountPath: ${second}}
  volumes:
    - {name: a, emptyDir: {}}
    - {name: b, emptyDir: {}}
`;
  it("1. two mounts on one path: /data twice in the API server's words; /data and /data/ refused on docker before anything exists", () => {
    for (const platform of ["docker", "kubernetes"] as const) {
      expect(verdict(platform, MOUNTS("/data"))).toBe(`Pod mounts: spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique`);
    }
    expect(verdict("docker", MOUNTS("/data/"))).toBe(
      `Pod mounts: spec.containers[0].volumeMounts[1].mountPath: "/data/" is the mount point of volumeMounts[0] once cleaned ("/data"): the Docker engine refuses the container ("Duplicate mount point: /data")`,
    );
    expect(verdict("kubernetes", MOUNTS("/data/"))).toBeUndefined();
  });
  it("2. a hostPath with '..' is refused on both stacks, as the API server refuses it", () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: host-logs}
spec:
  containers:
    - name: app
      image: podlab/curl:0.1
      volumeMounts: [{name: logs, mountPath: /host-logs}]
  volumes:
    - name: logs
      hostPath: {path: /var/log/x/../../../etc}
`;
    for (const platform of ["docker", "kubernetes"] as const) {
      // The API server goes on: the refused volume is not known to the mount either.
      expect(verdict(platform, text)).toBe(`Pod host-logs: spec.volumes[0].hostPath.path: Invalid value: "/var/log/x/../../../etc": must not contain '..' (and 1 more: spec.containers[0].volumeMounts[0].name: Not found: "logs")`);
    }
  });
  it("3. YAML read as kubectl reads it: defaultMode 0400 is octal (256), \\' inside double quotes is a quote", () => {
    const m = load(`apiVersion: v1
kind: Pod
metadata: {name: modes}
spec:
  containers:
    - name: app
      image: podlab/curl:0.1
      env:
        - name: MOTD
          value: "it\\'s up"
  volumes:
    - name: keys
      configMap: {name: keys, defaultMode: 0400}
`);
    const pod: any = m.pods[0].pod;
    expect(pod.spec.volumes[0].configMap.defaultMode).toBe(0o400);
    expect(pod.spec.containers[0].env[0].value).toBe("it's up");
  });
  it("4. fields the cluster's version knows are the API server's to judge on the kubernetes stack", () => {
    const grpc = `apiVersion: v1
kind: Pod
metadata: {name: grpc}
spec:
  containers:
    - name: app
      image: podlab/curl:0.1
      livenessProbe: {grpc: {port: 9090}}
`;
    expect(verdict("kubernetes", grpc)).toBeUndefined();
    // And rendered on the docker platform since issue 20: the agent's gRPC health check.
    expect(verdict("docker", grpc)).toBeUndefined();
    // Kubernetes 1.35's toleration operator: the local cluster's 1.34.4 refuses it, in its words.
    const gt = `apiVersion: v1
kind: Pod
metadata: {name: gt}
spec:
  containers: [{name: app, image: podlab/curl:0.1}]
  tolerations: [{key: gpu, operator: Gt, value: "8", effect: NoSchedule}]
`;
    expect(verdict("kubernetes", gt)).toBe(`Pod gt: spec.tolerations[0].operator: Unsupported value: "Gt": supported values: "Equal", "Exists"`);
    // An alpha field of 1.34 behind a gate that is off: dropped by the API server, the pod created.
    const rules = `apiVersion: v1
kind: Pod
metadata: {name: rules}
spec:
  containers: [{name: app, image: podlab/curl:0.1}]
  initContainers:
    - name: setup
      image: podlab/curl:0.1
      restartPolicy: Never
      restartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]
`;
    expect(verdict("kubernetes", rules)).toBeUndefined();
  });
  it("5. messages name the construct, not its first leaf; a missing apiVersion as kubectl says it", () => {
    const pod = (extra: string) => `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: podlab/curl:0.1
${extra}`;
    expect(verdict("docker", pod(`  volumes: [{name: d, nfs: {server: nas, path: /export}}]\n`))).toBe(
      "Pod p: spec.volumes[0].nfs: NFS volumes are not rendered on the docker platform (see the README's support table)",
    );
    expect(verdict("docker", pod(`      lifecycle: {preStop: {tcpSocket: {port: 80}}}\n`))).toBe(
      "Pod p: spec.containers[0].lifecycle.preStop.tcpSocket: tcpSocket lifecycle handlers (deprecated: no kubelet runs them) are not rendered on the docker platform (see the README's support table)",
    );
    expect(verdict("docker", pod(`      env: [{name: A, valueFrom: {secretKeyRef: {name: credentials, key: a}}}]\n`))).toBe(
      "Pod p: spec.containers[0].env[0].valueFrom.secretKeyRef.name: \"credentials\" is not the name of a Secret in the stack's manifests (mark the reference optional: true to run without it)",
    );
    expect(verdict("docker", pod(`  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]\n`))).toBe(
      "Pod p: spec.volumes[0].persistentVolumeClaim.claimName: \"data\" is not the name of a PersistentVolumeClaim in the stack's manifests (the docker platform makes a Docker volume for each claim there)",
    );
    expect(verdict("kubernetes", pod("").replace("apiVersion: v1\n", ""))).toBe("Pod p: apiVersion: Required value: apiVersion not set");
  });
});
