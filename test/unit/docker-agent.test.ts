import { byName, byTypeAndName, registered, valueOf } from "./mocks"; // mocks first
import { beforeEach, describe, expect, it } from "vitest";
import { agentContainerName, DockerAgent } from "../../components/docker/agent";
import { DockerPod } from "../../components/docker/pod";
import { namedPod } from "./fixtures";

const stackPod = (name: string) =>
  new DockerPod(name, { manifest: namedPod(name), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "cgroupfs", agent: "stack" });

describe("one agent per stack and host", () => {
  beforeEach(() => {
    registered.length = 0;
  });

  it("keeps every pod of the stack in one container, with one readiness gate for all", async () => {
    const pods = [stackPod("foo"), stackPod("bar")];
    const agent = new DockerAgent("agent", {
      pods: pods.map((p) => ({ spec: p.spec, parts: p.parts })), image: "sha256:agent", cgroupDriver: "cgroupfs",
      containerName: agentContainerName("podlab", "dev"), readyTimeoutSeconds: 90, labels: { "podlab.dev/stack": "podlab/dev" },
    });
    await Promise.all([valueOf(agent.ready.id), ...pods.map((p) => valueOf(p.layout))]);
    // The pods make no agent or gate of their own.
    expect(registered.filter((r) => /-(agent|ready)$/.test(r.name)).map((r) => r.name)).toEqual(["agent-ready"]);
    expect(pods.every((p) => p.agent === undefined && p.ready === undefined)).toBe(true);
    const c = byTypeAndName("docker:index/container:Container", "agent")!.inputs;
    expect(c.name).toBe("podlab.dev.agent");
    const config = JSON.parse(c.envs[0].replace(/^PODLAB_PODS=/, ""));
    expect(config.map((p: any) => [p.pod, p.members, p.cgroupParent])).toEqual([["foo", ["app", "sidecar"], "/pod-foo"], ["bar", ["app", "sidecar"], "/pod-bar"]]);
    expect(c.labels).toEqual([
      { label: "podlab.dev/agent-of", value: "foo,bar" }, { label: "podlab.dev/role", value: "agent" }, { label: "podlab.dev/stack", value: "podlab/dev" },
    ]);
    const ready = byName("agent-ready")!.inputs;
    expect(ready.environment).toEqual({ PODLAB_AGENT: "podlab.dev.agent", PODLAB_PODS: "foo,bar", PODLAB_READY_TIMEOUT: "90s", PODLAB_MIN_READY: "0s" });
    expect(ready.triggers).toEqual(["agent-id"]);
    // What the agent is made after and replaced with: each pod's cgroup, sandbox, members and stop.
    expect(pods.map((p) => p.parts.length)).toEqual([5, 5]);
  });

  it("refuses to keep no pod", () => {
    expect(() => new DockerAgent("agent", { pods: [], image: "x", cgroupDriver: "cgroupfs", containerName: "p.s.agent", readyTimeoutSeconds: 60 }))
      .toThrow("pods: [] must name at least one pod for the agent to keep");
  });
});
