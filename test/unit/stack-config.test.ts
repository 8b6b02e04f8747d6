import { describe, expect, it } from "vitest";
import { checkHostPorts, checkPodNames } from "../../components/docker/host";
import { cgroupDriver } from "../../components/docker/stack";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { minReadySeconds } from "../../components/model/validate";
import { manifestFiles } from "../../components/stack";
import { namedPod } from "./fixtures";

const config = (values: Record<string, string>) => ({ get: (k: string) => values[k], getObject: () => undefined });

describe("podlab:manifests", () => {
  it("takes a list, or one file as a plain string (what `pulumi config set podlab:manifests F` stores)", () => {
    const list = { get: () => '["pods/a.yaml","pods/b.yaml"]', getObject: () => ["pods/a.yaml", "pods/b.yaml"] };
    expect(manifestFiles(list as any)).toEqual(["pods/a.yaml", "pods/b.yaml"]);
    expect(manifestFiles(config({ manifests: "pods/foo.yaml" }))).toEqual(["pods/foo.yaml"]);
    expect(manifestFiles(config({}))).toBeUndefined();
  });
});

describe("podlab:cgroupDriver", () => {
  it("takes the engine's driver on auto", () => {
    expect(cgroupDriver(config({}), () => "cgroupfs")).toBe("cgroupfs");
    expect(cgroupDriver(config({ cgroupDriver: "auto" }), () => "systemd")).toBe("systemd");
  });

  it("refuses an explicit driver the engine does not use, before anything is made", () => {
    expect(() => cgroupDriver(config({ cgroupDriver: "systemd" }), () => "cgroupfs")).toThrow(
      'podlab:cgroupDriver: "systemd" is not the Docker engine\'s cgroup driver, "cgroupfs" (docker info): set auto or cgroupfs',
    );
    expect(cgroupDriver(config({ cgroupDriver: "cgroupfs" }), () => "cgroupfs")).toBe("cgroupfs");
  });

  it("refuses an unknown driver", () => {
    expect(() => cgroupDriver(config({ cgroupDriver: "cgroupv2" }), () => "cgroupfs")).toThrow('podlab:cgroupDriver: "cgroupv2" is not auto, cgroupfs or systemd');
  });
});

describe("pod names on the host", () => {
  it("refuses a pod name another stack's pod has on the host", () => {
    const pod = { spec: podSpecFromManifest(namedPod("foo"), "Pod foo", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" }).spec, source: "pods/x.yaml: Pod foo" };
    expect(() => checkPodNames([pod], new Map([["foo", "podlab/other"]]), "podlab/mine")).toThrow(
      'pods/x.yaml: Pod foo: metadata.name: "foo" is the name of a pod that already runs on this host, from stack podlab/other (its sandbox foo-sandbox): a pod\'s name must be unique on its host',
    );
    expect(() => checkPodNames([pod], new Map([["foo", "podlab/mine"]]), "podlab/mine")).not.toThrow();
    expect(() => checkPodNames([pod], new Map([["bar", "podlab/other"]]), "podlab/mine")).not.toThrow();
    expect(() => checkPodNames([pod], new Map([["foo", ""]]), "podlab/mine")).not.toThrow(); // made before the label
  });
});

describe("host ports", () => {
  const withHostPort = (name: string, hostPort: number) => {
    const pod: any = namedPod(name);
    pod.spec.containers[0].ports[0].hostPort = hostPort;
    return { spec: podSpecFromManifest(pod, `Pod ${name}`, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" }).spec, source: `pods/x.yaml: Pod ${name}` };
  };
  const none = () => new Set<string>();

  it("refuses one host port wanted by two pods of the stack, naming both", () => {
    expect(() => checkHostPorts([withHostPort("foo", 8080), withHostPort("bar", 8080)], [], none)).toThrow(
      "pods/x.yaml: Pod bar: spec.containers[0].ports[0].hostPort: 8080 is also published by pod foo of this stack",
    );
  });
  it("refuses a port another pod (such as the old name of a renamed one) still publishes", () => {
    const held = [{ port: 8080, protocol: "TCP" as const, container: "foo-sandbox", pod: "foo" }];
    expect(() => checkHostPorts([withHostPort("web", 8080)], held, none)).toThrow(
      "pods/x.yaml: Pod web: spec.containers[0].ports[0].hostPort: 8080 is already published on this host by pod foo's container foo-sandbox (if foo is this stack's and was renamed or removed in this change, it frees the port only after the new pod needs it: remove foo in one `up`, then add web; if it is another stack's, choose another port)",
    );
    expect(() => checkHostPorts([withHostPort("foo", 8080)], held, none)).not.toThrow(); // its own sandbox
  });
  it("refuses a port a process outside Docker listens on", () => {
    expect(() => checkHostPorts([withHostPort("foo", 8080)], [], () => new Set(["8080/TCP"]))).toThrow(
      "pods/x.yaml: Pod foo: spec.containers[0].ports[0].hostPort: 8080 is already in use on this host by a process outside Docker",
    );
  });
});

describe("podlab:minReadySeconds", () => {
  it("is 0 unless set, a whole number of seconds below the ready timeout", () => {
    expect(minReadySeconds("podlab:minReadySeconds", undefined, 600)).toBe(0);
    expect(minReadySeconds("podlab:minReadySeconds", "5", 600)).toBe(5);
    expect(() => minReadySeconds("podlab:minReadySeconds", "5s", 600)).toThrow('podlab:minReadySeconds: "5s" is not a whole number of seconds, 0 or more');
    expect(() => minReadySeconds("podlab:minReadySeconds", "600", 600)).toThrow('podlab:minReadySeconds: "600" must be less than the ready timeout (600s)');
  });
});
