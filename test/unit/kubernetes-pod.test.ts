import { byTypeAndName, registered, valueOf } from "./mocks"; // mocks first
import { beforeEach, describe, expect, it } from "vitest";
import { KubernetesPod } from "../../components/kubernetes/pod";
import { expectedLayout } from "../../components/model/layout";
import { podSpec } from "../../components/model/validate";
import { fooPod } from "./fixtures";

describe("KubernetesPod", () => {
  beforeEach(() => {
    registered.length = 0;
  });

  it("renders one Pod from the model, with the same images, commands and limits", async () => {
    const pod = new KubernetesPod("foo", { pod: fooPod() });
    await valueOf(pod.layout);
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(["kubernetes:core/v1:Pod foo", "podlab:kubernetes:Pod foo"]);
    const obj = byTypeAndName("kubernetes:core/v1:Pod", "foo")!.inputs;
    expect(obj.metadata).toMatchObject({ name: "foo", namespace: "default", labels: { "podlab.dev/pod": "foo" } });
    expect(obj.spec.containers).toEqual([
      {
        name: "app", image: "podlab/httpbin:0.1", imagePullPolicy: "IfNotPresent",
        command: ["gunicorn", "--bind", "0.0.0.0:80", "httpbin:app"], env: [], ports: [{ containerPort: 80 }], resources: { limits: { memory: "256Mi" }, requests: { memory: "256Mi" } },
      },
      { name: "sidecar", image: "podlab/curl:0.1", imagePullPolicy: "IfNotPresent", command: ["sleep", "infinity"], env: [], ports: [], resources: { limits: { memory: "128Mi" }, requests: { memory: "128Mi" } } },
    ]);
    expect(obj.spec.hostNetwork).toBeUndefined();
  });

  it("exports the layout the model implies on Kubernetes", async () => {
    const layout = await valueOf(new KubernetesPod("foo", { pod: fooPod() }).layout);
    expect(layout).toEqual(expectedLayout(podSpec(fooPod()), "kubernetes"));
  });

  it("adds pod-level limits only when the model has them", async () => {
    const pod = fooPod();
    pod.limits = { memory: "512Mi", cpu: "1" };
    await valueOf(new KubernetesPod("foo", { pod }).layout);
    expect(byTypeAndName("kubernetes:core/v1:Pod", "foo")!.inputs.spec.resources).toEqual({ limits: { memory: "512Mi", cpu: "1000m" } });
  });

  it("refuses a bad namespace or timeout before registering anything", () => {
    expect(() => new KubernetesPod("foo", { pod: fooPod(), namespace: "Bad_NS" })).toThrow('namespace: "Bad_NS" is not a valid namespace name');
    expect(() => new KubernetesPod("foo", { pod: fooPod(), readyTimeout: "ten minutes" })).toThrow('readyTimeout: "ten minutes" is not a duration');
    expect(registered).toEqual([]);
  });
});
