// Localhost security profiles on the docker platform (components/docker/security-profiles.ts and
// pod.ts securityOptions): what Docker is given, and the refusals' exact words.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { securityOptions } from "../../components/docker/pod";
import { hostSecurityProfiles } from "../../components/docker/security-profiles";

const model = (securityContext: object) => podSpecFromManifest({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "app", image: "podlab/curl:0.1", securityContext }] },
} as never, "Pod p", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "docker" }).spec;

describe("Localhost security profiles", () => {
  it("gives Docker the profile's JSON for seccomp and the profile's name for AppArmor", () => {
    const sc = model({ seccompProfile: { type: "Localhost", localhostProfile: "x/deny.json" }, appArmorProfile: { type: "Localhost", localhostProfile: "guarded" } }).containers[0].securityContext;
    expect(sc).toMatchObject({ seccompLocalhostProfile: "x/deny.json", appArmorLocalhostProfile: "guarded" });
    expect(securityOptions(sc, new Map([["x/deny.json", '{"defaultAction":"SCMP_ACT_ALLOW"}']]))).toEqual(['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', "apparmor=guarded"]);
  });

  it("refuses a profile file the host lacks, or one that is not JSON, naming the container and the field", () => {
    const pods = (file: string) => [{ spec: model({ seccompProfile: { type: "Localhost", localhostProfile: file } }), source: "pods/p.yaml: Pod p" }];
    expect(() => hostSecurityProfiles(pods("podlab-unit-absent/none.json"), undefined)).toThrow(
      'pods/p.yaml: Pod p: container app: securityContext.seccompProfile.localhostProfile: "podlab-unit-absent/none.json" is not a readable file on the Docker host (/var/lib/podlab/seccomp/podlab-unit-absent/none.json), where the docker platform reads Localhost profiles as the kubelet reads them in <root-dir>/seccomp/');
    expect(() => hostSecurityProfiles(pods("a b.json"), undefined)).toThrow(`"a b.json" is not a relative path of letters, digits, '.', '_', '-' and '/'`);
    const dir = mkdtempSync(join(tmpdir(), "podlab-seccomp-"));
    try {
      writeFileSync(`${dir}/bad.json`, "not json");
      expect(() => hostSecurityProfiles(pods("bad.json"), undefined, dir)).toThrow(/"bad.json" is not a JSON seccomp profile/);
      writeFileSync(`${dir}/good.json`, '{ "defaultAction": "SCMP_ACT_ALLOW" }\n');
      expect(hostSecurityProfiles(pods("good.json"), undefined, dir)).toEqual(new Map([["good.json", '{"defaultAction":"SCMP_ACT_ALLOW"}']]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
