import { describe, expect, it } from "vitest";
import { podSpec, podSpecs } from "../../components/model/validate";
import { parseCpu, parseMemory } from "../../components/model/quantity";
import { fooPod } from "./fixtures";

describe("quantities", () => {
  it("parses Kubernetes memory quantities", () => {
    expect(parseMemory("256Mi")).toBe(268435456);
    expect(parseMemory("1Gi")).toBe(2 ** 30);
    expect(parseMemory("500M")).toBe(500e6);
    expect(parseMemory("1024")).toBe(1024);
    expect(parseMemory("256Xi")).toBeUndefined();
    expect(parseMemory("-256Mi")).toBeUndefined();
    expect(parseMemory("1.5Gi")).toBeUndefined();
  });
  it("parses CPU quantities", () => {
    expect(parseCpu("500m")).toBe(500);
    expect(parseCpu("2")).toBe(2000);
    expect(parseCpu("0.25")).toBe(250);
    expect(parseCpu("0.0001")).toBeUndefined();
  });
});

describe("podSpec", () => {
  it("accepts the walkthrough's pod", () => {
    const spec = podSpec(fooPod());
    expect(spec.containers.map((c) => [c.name, c.memoryBytes])).toEqual([["app", 256 * 2 ** 20], ["sidecar", 128 * 2 ** 20]]);
    expect(spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
  });

  const bad = (edit: (p: any) => void) => {
    const pod = fooPod();
    edit(pod);
    return () => podSpec(pod);
  };

  it("refuses a pod name with shell characters, naming field and value", () => {
    expect(bad((p) => (p.name = "foo;rm -rf /"))).toThrow(
      'pod.name: "foo;rm -rf /" is not a valid pod name (lower-case letters, digits and \'-\', starting and ending with a letter or digit)',
    );
    expect(bad((p) => (p.name = "$(id)"))).toThrow('pod.name: "$(id)" is not a valid pod name');
  });
  it("refuses a pod name over the length limit", () => {
    expect(bad((p) => (p.name = "a".repeat(51)))).toThrow(`pod.name: "${"a".repeat(51)}" is longer than 50 characters`);
    expect(() => podSpec({ ...fooPod(), name: "a".repeat(50) })).not.toThrow();
  });
  it("refuses memory limits that are not quantities or are negative", () => {
    expect(bad((p) => (p.containers[0].memory = "256Xi"))).toThrow('pod.containers[0].memory: "256Xi" is not a memory quantity');
    expect(bad((p) => (p.containers[1].memory = "-128Mi"))).toThrow('pod.containers[1].memory: "-128Mi" is not a memory quantity');
    expect(bad((p) => (p.containers[1].memory = undefined))).toThrow("pod.containers[1].memory: undefined is not a memory quantity");
    expect(bad((p) => (p.containers[1].memory = "100M"))).toThrow('pod.containers[1].memory: "100M" is not a whole number of MiB');
    expect(bad((p) => (p.containers[1].memory = "1Mi"))).toThrow('pod.containers[1].memory: "1Mi" is below 6Mi');
  });
  it("refuses two containers with one name", () => {
    expect(bad((p) => (p.containers[1].name = "app"))).toThrow('pod.containers[1].name: "app" is already the name of pod.containers[0]');
  });
  it("refuses two containers on one port", () => {
    expect(bad((p) => (p.containers[1].ports = [{ containerPort: 80 }]))).toThrow(
      'pod.containers[1].ports[0].containerPort: 80 is already used by container "app" (containers of a pod share one network namespace)',
    );
  });
  it("refuses bad images, ports, env and reserved names", () => {
    expect(bad((p) => (p.containers[0].image = "httpbin; reboot"))).toThrow('pod.containers[0].image: "httpbin; reboot" is not an image reference');
    expect(bad((p) => (p.containers[0].ports = [{ containerPort: 70000 }]))).toThrow("pod.containers[0].ports[0].containerPort: 70000 is not a port number");
    expect(bad((p) => (p.containers[0].env = { "A B": "x" }))).toThrow('pod.containers[0].env.A B: "A B" is not a valid environment variable name');
    expect(bad((p) => (p.containers[0].name = "sandbox"))).toThrow('pod.containers[0].name: "sandbox" is reserved');
    expect(bad((p) => (p.containers = []))).toThrow("pod.containers: [] must list at least one container");
  });
  it("refuses two pods with one name", () => {
    expect(() => podSpecs([fooPod(), fooPod()])).toThrow('pods[1].name: "foo" is already the name of pods[0]');
  });

  it("refuses a container limit above the pod's limit, as the API server does", () => {
    expect(bad((p) => { p.limits = { cpu: "500m" }; p.containers[0].cpu = "1"; })).toThrow(
      'pod.containers[0].cpu: "1" is above the pod\'s CPU limit "500m" (pod.limits.cpu)',
    );
    expect(bad((p) => { p.limits = { memory: "200Mi" }; })).toThrow(
      'pod.containers[0].memory: "256Mi" is above the pod\'s memory limit "200Mi" (pod.limits.memory)',
    );
    expect(() => podSpec({ ...fooPod(), limits: { memory: "512Mi", cpu: "1" } })).not.toThrow();
  });
});
