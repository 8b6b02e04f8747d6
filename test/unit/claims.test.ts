// PersistentVolumeClaims on the docker platform (components/model/claims.ts, volumes.ts): each claim's
// class and reclaimPolicy, and the exact refusals of what a Docker host cannot render.
import { describe, expect, it } from "vitest";
import { checkClaimUse, claimSpecs } from "../../components/model/claims";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { checkClaimsLost, checkClaimVolumes } from "../../components/docker/host";

const claim = (name: string, spec: object = {}) => [name, {
  source: `pods/x.yaml: PersistentVolumeClaim ${name}`,
  claim: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } },
}] as const;
const storageClass = (name: string, extra: object = {}) => [name, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner: "kubernetes.io/host-path", ...extra }] as const;
const specs = (claims: ReturnType<typeof claim>[], classes: ReturnType<typeof storageClass>[] = []) => claimSpecs(new Map(claims) as never, new Map(classes) as never);

describe("PersistentVolumeClaims on the docker platform", () => {
  it("reads a claim whose volume this stack made and is gone as Lost, and refuses it with the way to accept the loss", () => {
    const [a, b, c] = specs([claim("a"), claim("b"), claim("c")]);
    const volumes = new Map([["pvc_b", { stack: "p/s", storageClass: "standard", reclaimPolicy: "Delete" }]]);
    const records: Record<string, string> = { a: "p/s\n", b: "p/s\n", c: "p/other\n" };
    // b's volume is there; c's record is another stack's; a new claim has no record.
    expect(() => checkClaimsLost([b, c, ...specs([claim("d")])], volumes, "p/s", (n) => records[n])).not.toThrow();
    expect(() => checkClaimsLost([a], volumes, "p/s", (n) => records[n])).toThrow(
      'pods/x.yaml: PersistentVolumeClaim a: status.phase: "Lost" is the claim\'s phase: its Docker volume pvc_a, which this stack made, is gone from the host (removed outside podlab), and podlab does not make an empty one in its place. To accept the loss, take the claim (and the pods that mount it) out of the manifests and `pulumi up`, then put it back: a new, empty volume, as Kubernetes needs a Lost claim deleted and made again');
  });

  it("takes the reclaimPolicy of the claim's class, the manifests' default class, else standard's Delete", () => {
    const keep = storageClass("keep", { reclaimPolicy: "Retain" });
    expect(specs([claim("a"), claim("b", { storageClassName: "keep" }), claim("c", { storageClassName: "standard" })], [keep]).map((c) => `${c.name} ${c.storageClassName} ${c.reclaimPolicy}`))
      .toEqual(["a standard Delete", "b keep Retain", "c standard Delete"]);
    const defaultKeep = storageClass("keep", { reclaimPolicy: "Retain", metadata: { name: "keep", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } });
    expect(specs([claim("a")], [defaultKeep]).map((c) => `${c.storageClassName} ${c.reclaimPolicy}`)).toEqual(["keep Retain"]);
  });

  it("refuses, naming the field, what needs a PersistentVolume made beforehand or a CSI driver", () => {
    expect(() => specs([claim("a", { storageClassName: "fast" })])).toThrow(
      'pods/x.yaml: PersistentVolumeClaim a: spec.storageClassName: "fast" is not the name of a StorageClass in the stack\'s manifests (nor standard, the default): add its StorageClass, whose reclaimPolicy the docker platform follows');
    expect(() => specs([claim("a", { storageClassName: "" })])).toThrow(
      'pods/x.yaml: PersistentVolumeClaim a: spec.storageClassName: "" asks for a PersistentVolume made beforehand (static provisioning), which a Docker host has not: leave it out, or name a StorageClass');
    expect(() => specs([claim("a", { volumeMode: "Block" })])).toThrow(
      'pods/x.yaml: PersistentVolumeClaim a: spec.volumeMode: "Block" is not rendered on the docker platform: a Docker volume is a filesystem (Filesystem, the default)');
    expect(() => specs([claim("a", { volumeName: "pv-1" })])).toThrow(
      'pods/x.yaml: PersistentVolumeClaim a: spec.volumeName: "pv-1" binds a PersistentVolume made beforehand (static provisioning), which a Docker host has not: leave it out on the docker platform');
    expect(() => specs([claim("a", { dataSource: { kind: "PersistentVolumeClaim", name: "b" } })])).toThrow(/spec.dataSource: .* fills the volume from a snapshot or another claim/);
  });

  it("refuses a pod's claim the manifests lack, two volumes of one claim, and a subPath of a claim", () => {
    const pod = (spec: object, claims = new Map()) => podSpecFromManifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "v" }, spec } as never, "Pod v", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), claims, platform: "docker" }).spec;
    const volumes = [{ name: "d", persistentVolumeClaim: { claimName: "data" } }];
    expect(() => pod({ containers: [{ name: "c", image: "podlab/curl:0.1" }], volumes })).toThrow(
      "Pod v: spec.volumes[0].persistentVolumeClaim.claimName: \"data\" is not the name of a PersistentVolumeClaim in the stack's manifests (the docker platform makes a Docker volume for each claim there)");
    const claims = new Map([claim("data")]);
    expect(pod({ containers: [{ name: "c", image: "podlab/curl:0.1", volumeMounts: [{ name: "d", mountPath: "/d" }] }], volumes }, claims).volumes).toEqual([{ name: "d", persistentVolumeClaim: { claimName: "data", readOnly: false } }]);
    const twice = [...volumes, { name: "e", persistentVolumeClaim: { claimName: "data", readOnly: true } }];
    expect(() => pod({ containers: [{ name: "c", image: "podlab/curl:0.1" }], volumes: twice }, claims)).toThrow(
      'Pod v: spec.volumes[1].persistentVolumeClaim.claimName: "data" is the claim of volume d too: a kubelet never starts a pod with two volumes of one claim (the second mount never completes): mount volume d twice instead');
    expect(() => pod({ containers: [{ name: "c", image: "podlab/curl:0.1", volumeMounts: [{ name: "d", mountPath: "/d", subPath: "x" }] }], volumes }, claims)).toThrow(
      'Pod v: spec.containers[0].volumeMounts[0].subPath: "x" is not rendered on a persistentVolumeClaim volume on the docker platform: Docker mounts a named volume whole (mount it whole, or use a claim per directory)');
  });

  it("refuses a claim whose Docker volume exists and is not the stack's, or was made with another class or reclaimPolicy, and takes the stack's own again", () => {
    const [spec] = specs([claim("data")]);
    const vol = (stack: string, storageClass = "standard", reclaimPolicy = "Delete") => new Map([["pvc_data", { stack, storageClass, reclaimPolicy }]]);
    const wayOut = "remove the volume (docker volume rm pvc_data, after saving its data) if nothing uses it any more, or name a new claim";
    expect(() => checkClaimVolumes([spec], vol("proj/mine"), "proj/mine")).not.toThrow();
    expect(() => checkClaimVolumes([spec], vol("proj/other"), "proj/mine")).toThrow(
      `pods/x.yaml: PersistentVolumeClaim data: metadata.name: "data" needs the Docker volume pvc_data, which exists on this host and is stack proj/other's: destroy that stack, or ${wayOut}`);
    expect(() => checkClaimVolumes([spec], vol("", ""), "proj/mine")).toThrow(`is not podlab's: ${wayOut}`);
    expect(() => checkClaimVolumes([spec], vol("proj/mine", "keep"), "proj/mine")).toThrow(
      `pods/x.yaml: PersistentVolumeClaim data: spec.storageClassName: "standard" is not the class of the claim's volume pvc_data (keep): a claim's class cannot change (the API server refuses any change to its spec but its requests); take the claim out of the manifests and \`pulumi up\` first (a volume kept by Retain then stays: ${wayOut})`);
    expect(() => checkClaimVolumes([spec], vol("proj/mine", "standard", "Retain"), "proj/mine")).toThrow(
      'pods/x.yaml: PersistentVolumeClaim data: spec.storageClassName: "standard" gives reclaimPolicy Delete, and the claim\'s volume pvc_data was made with Retain, which a provisioned volume keeps (the API server refuses a change of a StorageClass\'s reclaimPolicy): put it back, or take the claim out and `pulumi up` first');
  });

  it("refuses a claim of another namespace than the pod's, and two claims of one name", () => {
    const claims = new Map([claim("data", {})]) as never as Map<string, { claim: { metadata: Record<string, string> } }>;
    claims.get("data")!.claim.metadata.namespace = "other";
    expect(() => podSpecFromManifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "v" }, spec: { containers: [{ name: "c", image: "podlab/curl:0.1" }], volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] } } as never,
      "Pod v", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), claims: claims as never, platform: "docker" })).toThrow(
      'Pod v: spec.volumes[0].persistentVolumeClaim.claimName: "data" is a PersistentVolumeClaim of namespace other, and a Pod (here of namespace default) mounts claims of its own namespace only');
  });
  it("refuses a ReadWriteOncePod claim two pods mount", () => {
    const claims = specs([claim("solo", { accessModes: ["ReadWriteOncePod"] }), claim("shared")]);
    const user = (name: string, claimName: string) => ({ source: `pods/x.yaml: Pod ${name}`, spec: podSpecFromManifest({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "podlab/curl:0.1" }], volumes: [{ name: "d", persistentVolumeClaim: { claimName } }] } } as never,
      `Pod ${name}`, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), claims: new Map([claim("solo"), claim("shared")]) as never, platform: "docker" }).spec });
    expect(() => checkClaimUse(claims, [user("a", "shared"), user("b", "shared"), user("c", "solo")])).not.toThrow();
    expect(() => checkClaimUse(claims, [user("a", "solo"), user("b", "solo")])).toThrow(
      'pods/x.yaml: Pod b: spec.volumes[0].persistentVolumeClaim.claimName: "solo" is a ReadWriteOncePod claim, which pod a mounts already: Kubernetes runs one pod per such claim and leaves the others Pending');
  });
});
