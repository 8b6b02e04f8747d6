// The volumes' rules that are the kubelet's (components/model/volumes.ts): a memory emptyDir's size,
// a projected volume's files when two sources give one path, and what one pod's files may weigh.
import { describe, expect, it } from "vitest";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { emptyDirMemoryBytes } from "../../components/model/volumes";

const MiB = 2 ** 20;
const model = (spec: object, configMaps = new Map()) =>
  podSpecFromManifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "v" }, spec } as never, "Pod v", { images: DEFAULT_IMAGE_OVERRIDES, configMaps, platform: "docker" }).spec;
const box = (memory?: string) => ({ name: `c${Math.random().toString(36).slice(2, 6)}`, image: "podlab/curl:0.1", ...(memory ? { resources: { limits: { memory } } } : {}) });

describe("volumes as the kubelet makes them", () => {
  it("sizes a memory emptyDir by the smallest of the node's memory, the pod's limit and its sizeLimit", () => {
    const limited = model({ containers: [box("64Mi"), box("32Mi")] });
    expect(emptyDirMemoryBytes(limited, undefined, 8192 * MiB)).toBe(96 * MiB);
    expect(emptyDirMemoryBytes(limited, 16 * MiB, 8192 * MiB)).toBe(16 * MiB);
    // A container without a limit leaves the pod unlimited: the node's memory, or the tmpfs default.
    const open = model({ containers: [box("64Mi"), box()] });
    expect(emptyDirMemoryBytes(open, undefined, 8192 * MiB)).toBe(8192 * MiB);
    expect(emptyDirMemoryBytes(open, undefined)).toBeUndefined();
    // Pod-level resources are the pod's limit; an init container's limit counts when it is the larger.
    expect(emptyDirMemoryBytes(model({ resources: { limits: { memory: "48Mi" } }, containers: [box("32Mi")] }), undefined)).toBe(48 * MiB);
    expect(emptyDirMemoryBytes(model({ initContainers: [box("128Mi")], containers: [box("32Mi")] }), undefined)).toBe(128 * MiB);
  });

  it("keeps the last source's file when two projected sources give one path", () => {
    const cm = (name: string, greeting: string) => [name, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { greeting } }] as const;
    const spec = model({
      containers: [box("32Mi")],
      volumes: [{ name: "p", projected: { sources: [{ configMap: { name: "a" } }, { configMap: { name: "b" } }] } }],
    }, new Map([cm("a", "first"), cm("b", "second")]));
    const v = spec.volumes[0] as { projected: { files: { path: string; base64: string }[] } };
    expect(v.projected.files.map((f) => [f.path, Buffer.from(f.base64, "base64").toString()])).toEqual([["greeting", "second"]]);
  });

  it("refuses a pod whose files would not fit one command's environment, naming the size only", () => {
    const big = (name: string) => [name, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: Object.fromEntries([...Array(11)].map((_, i) => [`k${i}`, "x".repeat(80 * 1024)])) }] as const;
    const volumes = ["a", "b"].map((n) => ({ name: n, configMap: { name: n } }));
    expect(() => model({ containers: [box("32Mi")], volumes }, new Map([big("a"), big("b")]))).toThrow(
      /^Pod v: spec\.volumes: hold \d+ bytes of files in base64, over the 1536 KiB the docker platform's volume command can carry for one pod$/);
  });
});
