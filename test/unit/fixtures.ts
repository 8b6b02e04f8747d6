// The walkthrough's pod, as tests write it.
import { PodArgs } from "../../components/model/pod-spec";

export function fooPod(): PodArgs {
  return {
    name: "foo",
    containers: [
      { name: "app", image: "podlab/httpbin:0.1", command: ["gunicorn", "--bind", "0.0.0.0:80", "httpbin:app"], ports: [{ containerPort: 80 }], memory: "256Mi" },
      { name: "sidecar", image: "podlab/curl:0.1", command: ["sleep", "infinity"], memory: "128Mi" },
    ],
  };
}
