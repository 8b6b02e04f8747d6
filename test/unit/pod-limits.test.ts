import { describe, expect, it } from "vitest";
import { podLimits } from "../../components/model/pod-limits";
import type { ContainerSpec, Resources } from "../../components/model/pod-spec";

const MI = 2 ** 20;
const c = (limits: Resources, sidecar = false) => ({ limits, sidecar }) as unknown as ContainerSpec;

describe("podLimits (the kubelet's ResourceConfigForPod)", () => {
  it("is the pod-level limit when set", () => {
    expect(podLimits({ limits: { memoryBytes: 640 * MI }, initContainers: [], containers: [c({ memoryBytes: 64 * MI })] })).toEqual({ memoryBytes: 640 * MI });
  });

  it("sums the app containers' and the sidecars', or takes the largest init container's with the sidecars before it", () => {
    const spec = {
      limits: {},
      initContainers: [c({ memoryBytes: 32 * MI }, true), c({ memoryBytes: 512 * MI }), c({ memoryBytes: 16 * MI, cpuMillis: 100 }, true)],
      containers: [c({ memoryBytes: 256 * MI, cpuMillis: 500 }), c({ memoryBytes: 128 * MI, cpuMillis: 250 })],
    };
    // memory: max(256 + 128 + 32 + 16, 512 + 32); cpu: 500 + 250 + 100 (the first sidecar has none: 0).
    expect(podLimits(spec)).toEqual({ memoryBytes: 544 * MI, cpuMillis: 850 });
  });

  it("leaves a resource unlimited when an app container has no limit of it", () => {
    expect(podLimits({ limits: {}, initContainers: [], containers: [c({ memoryBytes: 256 * MI }), c({ cpuMillis: 100 })] })).toEqual({});
  });
});
