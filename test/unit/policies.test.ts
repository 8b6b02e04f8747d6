// Each policy rule fails on a layout that breaks it and passes on one that keeps it.
import { beforeEach, describe, expect, it } from "vitest";
import { expectedLayout } from "../../components/model/layout";
import { LABEL_CONTAINER, LABEL_IMAGE, LABEL_POD, LABEL_ROLE, LABEL_SPEC, specLabel } from "../../components/model/labels";
import { sandboxSpec } from "../../components/docker/pod";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { podObject } from "../../components/kubernetes/pod";
import { DOCKER_CONTAINER, DOCKER_IMAGE, K8S_POD, Resource } from "../../policies/resources";
import { crossStackViolations } from "../../policies/rules/cross-stack";
import { membershipViolations } from "../../policies/rules/docker-membership";
import { isolationViolations } from "../../policies/rules/isolation";
import { memoryLimitViolations } from "../../policies/rules/memory-limits";
import { modelViolations } from "../../policies/rules/model-layout";
import { fooPod } from "./fixtures";

const { spec } = podSpecFromManifest(fooPod(), "foo", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" });
const labels = (role: string, container: string, extra: Record<string, string> = {}) =>
  Object.entries({ [LABEL_POD]: "foo", [LABEL_ROLE]: role, [LABEL_CONTAINER]: container, ...extra }).map(([label, value]) => ({ label, value }));
const res = (type: string, name: string, props: Record<string, any>, deps: Record<string, Resource[]> = {}): Resource =>
  ({ type, name, urn: `urn:pulumi:test::podlab::${type}::${name}`, props, propertyDependencies: deps });

/** The resources the docker-host stack declares for pod foo, as a policy sees them. */
function dockerStack() {
  const images = Object.fromEntries(spec.containers.map((c) => [c.name, res(DOCKER_IMAGE, `foo-${c.name}-image`, { name: c.image })]));
  const sandbox = res(DOCKER_CONTAINER, "foo-sandbox", { name: "foo-sandbox", ipcMode: "shareable", cgroupParent: "/pod-foo", labels: labels("sandbox", "sandbox", { [LABEL_SPEC]: specLabel(sandboxSpec(spec)) }) });
  const members = spec.containers.map((c) =>
    res(DOCKER_CONTAINER, `foo-${c.name}`, {
      name: `foo-${c.name}`, image: `sha256:${c.name}`, networkMode: "container:abc", ipcMode: "container:abc", cgroupParent: "/pod-foo",
      memory: c.limits.memoryBytes! / 2 ** 20, entrypoints: c.command, labels: labels("member", c.name, { [LABEL_IMAGE]: c.image }),
    }, { networkMode: [sandbox], ipcMode: [sandbox], image: [images[c.name]] }));
  return { sandbox, members, all: [sandbox, ...members, ...Object.values(images)] };
}

function kubernetesStack() {
  const pod = res(K8S_POD, "foo", JSON.parse(JSON.stringify(podObject(fooPod(), DEFAULT_IMAGE_OVERRIDES, "default", spec))));
  return { pod, all: [pod] };
}

describe("policy rules", () => {
  let docker: ReturnType<typeof dockerStack>;
  let k8s: ReturnType<typeof kubernetesStack>;
  beforeEach(() => {
    docker = dockerStack();
    k8s = kubernetesStack();
  });

  it("pass on the stacks podlab declares", () => {
    for (const all of [docker.all, k8s.all]) {
      expect(memoryLimitViolations(all)).toEqual([]);
      expect(isolationViolations(all)).toEqual([]);
      expect(membershipViolations(all)).toEqual([]);
      expect(modelViolations(all)).toEqual([]);
    }
  });

  it("model-layout reads an app container's image from its own label (the sandbox's spec leaves it out) and fails on another image", () => {
    expect(JSON.parse(docker.sandbox.props.labels.find((l: any) => l.label === LABEL_SPEC).value).containers.map((c: any) => c.image)).toEqual(["", ""]);
    docker.members[0].propertyDependencies.image = [res(DOCKER_IMAGE, "other", { name: "podlab/other:1" })];
    expect(modelViolations(docker.all)).toEqual([`foo/app: image: the model implies "${spec.containers[0].image}", the stack declares "podlab/other:1"`]);
  });

  it("memory-limits fails on a container without a limit", () => {
    delete docker.members[1].props.memory;
    expect(memoryLimitViolations(docker.all)).toEqual(["pod foo: container sidecar has no memory limit"]);
    delete k8s.pod.props.spec.containers[0].resources.limits.memory;
    expect(memoryLimitViolations(k8s.all)).toEqual(["pod foo: container app has no memory limit"]);
  });

  it("isolation fails on privilege and host namespaces", () => {
    docker.members[0].props.privileged = true;
    docker.members[1].props.pidMode = "host";
    expect(isolationViolations(docker.all)).toEqual(['container foo-app: runs privileged', 'container foo-sidecar: pidMode is "host"']);
    k8s.pod.props.spec.hostNetwork = true;
    expect(isolationViolations(k8s.all)).toEqual(["pod foo: hostNetwork is true"]);
  });

  it("docker-pod-membership fails on a member outside the cgroup parent or the sandbox's namespaces", () => {
    docker.members[0].props.cgroupParent = "/";
    docker.members[1].props.networkMode = "bridge";
    docker.members[1].propertyDependencies.networkMode = [];
    expect(membershipViolations(docker.all)).toEqual([
      'pod foo: container app is under cgroup parent "/", not "/pod-foo"',
      'pod foo: container sidecar does not join the sandbox\'s network namespace (networkMode "bridge")',
    ]);
  });

  it("layout-follows-model fails when the stack declares other images or limits than the model", () => {
    docker.members[0].props.memory = 512;
    expect(modelViolations(docker.all)).toEqual(["foo/app: memoryBytes: the model implies 268435456, the stack declares 536870912"]);
    k8s.pod.props.spec.containers[1].image = "busybox";
    expect(modelViolations(k8s.all)).toEqual(['foo/sidecar: image: the model implies "podlab/curl:0.1", the stack declares "busybox"']);
  });

  it("layouts-match-across-stacks passes on the platforms' documented differences only", () => {
    expect(crossStackViolations(k8s.all, [expectedLayout(spec, "docker")])).toEqual([]);
    expect(crossStackViolations(docker.all, [expectedLayout(spec, "kubernetes")])).toEqual([]);
    const other = expectedLayout(spec, "docker");
    other.containers[1].memoryBytes = 64 * 2 ** 20;
    other.containers[0].namespaces.ipc = "own";
    expect(crossStackViolations(k8s.all, [other])).toEqual([
      "foo/app: ipc namespace: docker has \"own\", kubernetes has \"sandbox\"",
      "foo/sidecar: memoryBytes: docker has 67108864, kubernetes has 134217728",
    ]);
    expect(crossStackViolations(k8s.all, [])).toEqual(["pod foo: the other stack has no pod of that name"]);
  });
});
