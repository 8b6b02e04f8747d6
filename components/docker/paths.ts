// Where a docker-host pod's volumes live on the host. Plain functions without Pulumi, so that the
// policy pack and the layouts can use them too.
import { VolumeSpec } from "../model/pod-spec";

/** The pod's directory on the host: /var/lib/podlab/pods/<pod>. */
export const podDir = (pod: string) => `/var/lib/podlab/pods/${pod}`;

/**
 * Where the cgroup command declares each pod's pod-level limits for the pod's agent, one file per
 * pod (see agent/podcgroup.go): apart from the pod's directory, which a new pod's volumes replace.
 */
export const POD_LIMITS_DIR = "/var/lib/podlab/pod-limits";

/**
 * Where the agent and its one-shot runs (`podlab-agent init`, `stop`) keep, per pod, the container
 * runs whose postStart hook completed (agent/poststarted.go): a hook runs once per start, whichever
 * of them ran it.
 */
export const POST_STARTED_DIR = "/var/lib/podlab/post-started";
/** A pod's file in POST_STARTED_DIR (agent/poststarted.go names it so). */
export const postStartedFile = (pod: string) => `${POST_STARTED_DIR}/${pod}.json`;

/**
 * The Docker volume of a PersistentVolumeClaim: `pvc_<claim>` (Kubernetes names its volumes pvc-<uid>).
 * The underscore keeps it apart from every volume podlab names after a pod (`<pod>-env-exec`): a pod's
 * name, a DNS label, has none.
 */
export const CLAIM_VOLUME_PREFIX = "pvc_";
export const claimVolumeName = (claim: string) => `${CLAIM_VOLUME_PREFIX}${claim}`;

/**
 * Where the Docker host records each claim volume a stack made (claim-record.sh): a file per claim,
 * which `docker volume prune` cannot take, so that a volume gone since reads as Lost.
 */
export const CLAIM_RECORDS_DIR = "/var/lib/podlab/claims";
export const claimRecordFile = (claim: string) => `${CLAIM_RECORDS_DIR}/${claim}`;

/**
 * Where a volume's directory is on the host; hostPath volumes are their own path, a claim's volume
 * is its Docker volume's name.
 */
export function volumeSource(pod: string, v: VolumeSpec): string {
  if ("emptyDir" in v) return `${podDir(pod)}/volumes/empty-dir/${v.name}`;
  if ("configMap" in v) return `${podDir(pod)}/volumes/configmap/${v.name}`;
  // A tmpfs, as the kubelet mounts every secret volume: the values never reach the host's disk.
  if ("secret" in v) return `${podDir(pod)}/volumes/secret/${v.name}`;
  if ("projected" in v) return `${podDir(pod)}/volumes/projected/${v.name}`;
  if ("hostPath" in v) return v.hostPath.path;
  if ("persistentVolumeClaim" in v) return claimVolumeName(v.persistentVolumeClaim.claimName);
  throw new Error(`volume ${v.name}: a ${"other" in v ? v.other : "?"} volume has no place on a Docker host`); // refused before
}
