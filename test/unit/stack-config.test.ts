import { describe, expect, it } from "vitest";
import { cgroupDriver } from "../../components/docker/stack";

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
