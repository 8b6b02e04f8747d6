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
    // memory: max(256 + 128 + 32 + 16, 512 + 32); no CPU limit: the first sidecar has none, nor any
    // container before it (ContainerFn sees a zero).
    expect(podLimits(spec)).toEqual({ memoryBytes: 544 * MI });
  });

  it("leaves a resource unlimited when an app container has no limit of it", () => {
    expect(podLimits({ limits: {}, initContainers: [], containers: [c({ memoryBytes: 256 * MI }), c({ cpuMillis: 100 })] })).toEqual({});
  });

  it("leaves it unlimited when an init container has none and no sidecar before it has one; a sidecar after one with a limit counts", () => {
    const app = [c({ memoryBytes: 256 * MI })];
    expect(podLimits({ limits: {}, initContainers: [c({})], containers: app })).toEqual({});
    expect(podLimits({ limits: {}, initContainers: [c({ memoryBytes: 32 * MI }, true), c({})], containers: app })).toEqual({ memoryBytes: 288 * MI });
    expect(podLimits({ limits: {}, initContainers: [c({ memoryBytes: 32 * MI }, true), c({}, true)], containers: app })).toEqual({ memoryBytes: 288 * MI });
  });
});
