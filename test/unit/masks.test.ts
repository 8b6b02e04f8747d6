import { describe, expect, it } from "vitest";
import { secretMasks } from "../../components/docker/masks";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";

const secret = { apiVersion: "v1" as const, kind: "Secret" as const, metadata: { name: "db" }, stringData: { password: "s3cr3t", pem: "line-one\nline-two", pin: "42" } };
const spec = podSpecFromManifest({
  apiVersion: "v1", kind: "Pod", metadata: { name: "m" },
  spec: {
    volumes: [{ name: "db", secret: { secretName: "db", items: [{ key: "pem", path: "key.pem" }] } }],
    containers: [{
      name: "c", image: "podlab/curl:0.1",
      env: [{ name: "PASS", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "PIN", valueFrom: { secretKeyRef: { name: "db", key: "pin" } } }, { name: "PEM", valueFrom: { secretKeyRef: { name: "db", key: "pem" } } }, { name: "PLAIN", value: "visible" }],
    }],
  },
} as never, "Pod m", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), secrets: new Map([["db", secret]]), platform: "docker" }).spec;

describe("secretMasks", () => {
  it("lists each Secret value the pod's variables read, plain and base64, and each line of a multi-line one, longest first", () => {
    const masks = secretMasks([spec]);
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    expect(new Set(masks)).toEqual(new Set(["s3cr3t", b64("s3cr3t"), "line-one", "line-two", b64("line-one\nline-two"), b64("42")]));
    // The multi-line value reaches the pod as a variable too; the secret volume's file alone would not be listed.
    expect(masks.map((m) => m.length)).toEqual([...masks.map((m) => m.length)].sort((a, b) => b - a));
    // Not a plain variable, nor a value too short to mask.
    expect(masks).not.toContain("visible");
    expect(masks).not.toContain("42");
  });

  it("is empty for a pod whose variables read no Secret, whatever its secret volumes", () => {
    expect(spec.volumes.some((v) => "secret" in v)).toBe(true);
    expect(secretMasks([{ ...spec, containers: spec.containers.map((c) => ({ ...c, env: c.env.filter((e) => !e.secret) })) }])).toEqual([]);
  });
});
