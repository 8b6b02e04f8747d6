// Localhost seccomp and AppArmor profiles: files and kernel state of the Docker host, read once before
// anything is made, as the kubelet reads them on its node.
import * as pulumi from "@pulumi/pulumi";
import { PodSpec } from "../model/pod-spec";
import { PodSpecError } from "../model/validate";
import { DockerTarget, readHostFile } from "./target";

/**
 * Where Localhost seccomp profiles live on a Docker host: the kubelet reads them from
 * `<root-dir>/seccomp/` (pkg/kubelet/kuberuntime/helpers.go fieldProfile; /var/lib/kubelet/seccomp).
 */
export const SECCOMP_DIR = "/var/lib/podlab/seccomp";
const APPARMOR_ENABLED = "/sys/module/apparmor/parameters/enabled";
const APPARMOR_PROFILES = "/sys/kernel/security/apparmor/profiles";
// What reaches the host's `cat` and Docker's option: a relative path or a profile name, nothing else.
const PROFILE_NAME = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;

/**
 * The Localhost seccomp profiles the pods' containers name, read from the Docker host: each profile's
 * path (localhostProfile) to its JSON, minified (what `docker run --security-opt seccomp=<file>` sends).
 * AppArmor Localhost profiles are checked: the host must have AppArmor on (else the kubelet rejects
 * the pod: "Cannot enforce AppArmor: AppArmor is not enabled on the host", pkg/security/apparmor
 * validate.go) and the profile loaded. `dir`: the profiles' folder (SECCOMP_DIR). Throws a PodSpecError naming the pod, the container and the
 * field, before anything is made.
 */
export function hostSecurityProfiles(pods: { spec: PodSpec; source: string }[], target: DockerTarget, dir = SECCOMP_DIR): Map<string, string> {
  const seccomp = new Map<string, string>();
  let appArmor: { enabled: boolean; loaded?: string; warned?: boolean } | undefined;
  for (const { spec, source } of pods) {
    for (const c of [...spec.initContainers, ...spec.containers]) {
      const at = `${source}: container ${c.name}: securityContext`;
      const file = c.securityContext.seccompLocalhostProfile;
      if (file !== undefined && !seccomp.has(file)) {
        if (!PROFILE_NAME.test(file) || file.split("/").includes("..")) throw new PodSpecError(`${at}.seccompProfile.localhostProfile`, file, "is not a relative path of letters, digits, '.', '_', '-' and '/'");
        const text = readHostFile(target, `${dir}/${file}`);
        if (text === undefined) throw new PodSpecError(`${at}.seccompProfile.localhostProfile`, file, `is not a readable file on the Docker host (${dir}/${file}), where the docker platform reads Localhost profiles as the kubelet reads them in <root-dir>/seccomp/`);
        let profile: unknown;
        try { profile = JSON.parse(text); } catch (err) { profile = (err as Error).message; }
        if (typeof profile !== "object" || profile === null || Array.isArray(profile)) {
          throw new PodSpecError(`${at}.seccompProfile.localhostProfile`, file, `is not a JSON seccomp profile (${dir}/${file}: ${typeof profile === "string" ? profile : "not an object"})`);
        }
        seccomp.set(file, JSON.stringify(profile));
      }
      const name = c.securityContext.appArmorLocalhostProfile;
      if (name === undefined) continue;
      if (!PROFILE_NAME.test(name)) throw new PodSpecError(`${at}.appArmorProfile.localhostProfile`, name, "is not a profile name of letters, digits, '.', '_', '-' and '/'");
      appArmor ??= { enabled: readHostFile(target, APPARMOR_ENABLED)?.trim().startsWith("Y") ?? false, loaded: readHostFile(target, APPARMOR_PROFILES) };
      if (!appArmor.enabled) throw new PodSpecError(`${at}.appArmorProfile.localhostProfile`, name, `cannot be enforced: AppArmor is not enabled on the Docker host (${APPARMOR_ENABLED}), and a kubelet there rejects such a pod too`);
      if (appArmor.loaded === undefined) {
        // Only root reads the list: then Docker is the one to say, when it makes the container.
        if (!appArmor.warned) pulumi.log.warn(`${at}.appArmorProfile.localhostProfile: ${JSON.stringify(name)}: ${APPARMOR_PROFILES} cannot be read on the Docker host, so whether the profile is loaded is not checked before \`up\` (a container with a profile that is not loaded fails to start)`);
        appArmor.warned = true;
      } else if (!appArmor.loaded.split("\n").some((l) => l.startsWith(`${name} (`))) {
        throw new PodSpecError(`${at}.appArmorProfile.localhostProfile`, name, `is not a profile loaded on the Docker host (${APPARMOR_PROFILES}): load it with apparmor_parser first`);
      }
    }
  }
  return seccomp;
}
