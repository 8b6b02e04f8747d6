import { describe, expect, it } from "vitest";
import { checkHostPorts } from "../../components/docker/host";
import { cgroupDriver } from "../../components/docker/stack";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { namedPod } from "./fixtures";

const config = (values: Record<string, string>) => ({ get: (k: string) => values[k], getObject: () => undefined });

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

describe("host ports", () => {
  const withHostPort = (name: string, hostPort: number) => {
    const pod: any = namedPod(name);
    pod.spec.containers[0].ports[0].hostPort = hostPort;
    return podSpecFromManifest(pod, `Pod ${name}`, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" }).spec;
  };
  const none = () => new Set<string>();

  it("refuses one host port wanted by two pods of the stack, naming both", () => {
    expect(() => checkHostPorts([withHostPort("foo", 8080), withHostPort("bar", 8080)], [], none)).toThrow(
      "pod bar: spec.containers[0].ports[0].hostPort: 8080 is also published by pod foo of this stack",
    );
  });
  it("refuses a port another pod (such as the old name of a renamed one) still publishes", () => {
    const held = [{ port: 8080, protocol: "TCP" as const, container: "foo-sandbox", pod: "foo" }];
    expect(() => checkHostPorts([withHostPort("web", 8080)], held, none)).toThrow(
      "pod web: spec.containers[0].ports[0].hostPort: 8080 is already published on this host by pod foo's container foo-sandbox (a pod renamed or removed in the same change frees it only after the new one needs it: remove foo in one `up`, then add web)",
    );
    expect(() => checkHostPorts([withHostPort("foo", 8080)], held, none)).not.toThrow(); // its own sandbox
  });
  it("refuses a port a process outside Docker listens on", () => {
    expect(() => checkHostPorts([withHostPort("foo", 8080)], [], () => new Set(["8080/TCP"]))).toThrow(
      "pod foo: spec.containers[0].ports[0].hostPort: 8080 is already in use on this host by a process outside Docker",
    );
  });
});
