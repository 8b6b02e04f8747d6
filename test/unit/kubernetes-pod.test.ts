import { byTypeAndName, registered, valueOf } from "./mocks"; // mocks first
import { beforeEach, describe, expect, it } from "vitest";
import { KubernetesPod } from "../../components/kubernetes/pod";
import { kubernetesStack } from "../../components/kubernetes/stack";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { expectedLayout } from "../../components/model/layout";
import { fooPod } from "./fixtures";

describe("KubernetesPod", () => {
  beforeEach(() => {
    registered.length = 0;
  });

  it("applies the manifest as written, apart from the image overrides and podlab's label and annotation", async () => {
    const pod = new KubernetesPod("foo", { manifest: fooPod() });
    await valueOf(pod.layout);
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(["kubernetes:core/v1:Pod foo", "podlab:kubernetes:Pod foo"]);
    const obj = byTypeAndName("kubernetes:core/v1:Pod", "foo")!.inputs;
    expect(obj.metadata).toMatchObject({ name: "foo", namespace: "default", labels: { "podlab.dev/pod": "foo" } });
    expect(JSON.parse(obj.metadata.annotations["podlab.dev/spec"]).name).toBe("foo");
    const expected = fooPod();
    expected.spec!.containers[0].image = "podlab/httpbin:0.1";
    expected.spec!.containers[1].image = "podlab/curl:0.1";
    expect(obj.spec).toEqual(expected.spec);
  });

  it("replaces the Pod only when what makes a new pod changes: an app container's image is an update", async () => {
    const hashOf = async (edit: (p: any) => void) => {
      registered.length = 0;
      const manifest: any = fooPod();
      edit(manifest);
      await valueOf(new KubernetesPod("foo", { manifest }).layout);
      return byTypeAndName("kubernetes:core/v1:Pod", "foo")!.inputs.metadata.annotations["podlab.dev/pod-hash"];
    };
    const base = await hashOf(() => undefined);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashOf((p) => (p.spec.containers[0].image = "busybox:1.36"))).toBe(base);
    expect(await hashOf((p) => (p.metadata.labels = { tier: "b" }))).toBe(base);
    for (const edit of [
      (p: any) => (p.spec.containers[0].command = ["sh"]),
      (p: any) => (p.spec.nodeSelector = { disk: "ssd" }),
      (p: any) => (p.spec.initContainers = [{ name: "i", image: "busybox:1.36" }]),
      (p: any) => p.spec.containers.pop(),
    ]) expect(await hashOf(edit)).not.toBe(base);
  });

  it("keeps fields the docker platform does not render, such as a nodeSelector", async () => {
    const manifest: any = fooPod();
    manifest.spec.nodeSelector = { "kubernetes.io/os": "linux" };
    manifest.metadata.namespace = "team";
    await valueOf(new KubernetesPod("foo", { manifest }).layout);
    const obj = byTypeAndName("kubernetes:core/v1:Pod", "foo")!.inputs;
    expect(obj.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(obj.metadata.namespace).toBe("team");
  });

  it("exports the layout the model implies on Kubernetes", async () => {
    const layout = await valueOf(new KubernetesPod("foo", { manifest: fooPod() }).layout);
    const { spec } = podSpecFromManifest(fooPod(), "foo", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "kubernetes" });
    expect(layout).toEqual(expectedLayout(spec, "kubernetes"));
  });

  it("refuses a bad namespace or timeout before registering anything", () => {
    expect(() => new KubernetesPod("foo", { manifest: fooPod(), namespace: "Bad_NS" })).toThrow('namespace: "Bad_NS" is not a valid namespace name');
    expect(() => new KubernetesPod("foo", { manifest: fooPod(), readyTimeout: "ten minutes" })).toThrow('readyTimeout: "ten minutes" is not a duration');
    expect(registered).toEqual([]);
  });
});

describe("the kubernetes stack's config", () => {
  it("refuses podlab:minReadySeconds other than 0 before registering anything: pulumi-kubernetes' Pod await has no such window", () => {
    registered.length = 0;
    const config = (values: Record<string, string>) => ({ get: (k: string) => values[k], getObject: () => undefined });
    const input = { manifests: { pods: [], configMaps: new Map(), secrets: new Map(), claims: new Map(), storageClasses: new Map() }, images: [], pods: [], claims: [] } as any;
    expect(() => kubernetesStack(config({ minReadySeconds: "5" }), input))
      .toThrow('podlab:minReadySeconds: "5" is a docker-host setting: on Kubernetes, `pulumi up` waits for Ready as pulumi-kubernetes\' Pod await does (set 0 or leave it unset)');
    expect(() => kubernetesStack(config({ minReadySeconds: "x" }), input)).toThrow('podlab:minReadySeconds: "x" is not a whole number of seconds, 0 or more');
    expect(registered).toEqual([]);
    expect(() => kubernetesStack(config({ minReadySeconds: "0" }), input)).not.toThrow();
  });
});
