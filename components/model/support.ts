// Which fields of a Pod manifest the docker platform renders, which it leaves to Kubernetes, and
// (by omission) which it refuses. This table is the rule `checkSupported` applies and the source of
// the README's support table (scripts/support-table.ts), so the two cannot disagree.
import { PodSpecError } from "./validate";

export interface FieldSupport {
  /** A manifest field, kubectl-style with [] for any list item: "spec.containers[].workingDir". */
  path: string;
  /** How the docker-host stack renders it; absent for a Kubernetes-only field. */
  docker?: string;
  /** Why the field means nothing on a Docker host: it reaches only the Kubernetes stack. */
  kubernetesOnly?: string;
  /** The field's whole subtree is covered (maps such as labels, and Kubernetes-only objects). */
  subtree?: boolean;
}

/** The fields of a container, init or app (init containers have no ports here). */
const CONTAINER: FieldSupport[] = [
  { path: "name", docker: "container `<pod>-<name>`" },
  { path: "image", docker: "the image, after `podlab:images` overrides; its ID is pinned, so a rebuilt tag reaches the pod" },
  { path: "command", docker: "`--entrypoint` (replaces the image's ENTRYPOINT), with $(VAR) expanded from env as the kubelet does" },
  { path: "args", docker: "the command after the image (replaces its CMD), with $(VAR) expanded likewise" },
  { path: "workingDir", docker: "`--workdir`" },
  { path: "env[].name", docker: "`--env NAME=VALUE`" },
  { path: "env[].value", docker: "`--env NAME=VALUE`, with $(VAR) of the variables before it (envFrom's, earlier entries) expanded as the kubelet does" },
  { path: "env[].valueFrom.configMapKeyRef.name", docker: "the key's value in the ConfigMap of that name in the manifests, as written (no $(VAR) expansion); a missing one is refused unless optional" },
  { path: "env[].valueFrom.configMapKeyRef.key", docker: "the key to read; a missing one is refused unless optional" },
  { path: "env[].valueFrom.configMapKeyRef.optional", docker: "true: a missing ConfigMap or key sets no variable, as the kubelet does" },
  { path: "env[].valueFrom.fieldRef.fieldPath", docker: "metadata.name; metadata.namespace (the manifest's, else default); metadata.labels['…'] and metadata.annotations['…']; spec.nodeName: the Docker host's name (`docker info`); status.podIP and status.podIPs: the pod's address on its network, status.hostIP and status.hostIPs: its gateway, the Docker host on the pod's network, both read by env-exec when the container starts (see Secrets in env). metadata.uid and spec.serviceAccountName are refused" },
  { path: "env[].valueFrom.fieldRef.apiVersion", docker: "v1" },
  { path: "env[].valueFrom.resourceFieldRef.resource", docker: "limits.cpu, limits.memory, requests.cpu, requests.memory, divided by the divisor and rounded up as the kubelet does; an unset limit is the Docker host's CPUs or memory (the kubelet's node allocatable)" },
  { path: "env[].valueFrom.resourceFieldRef.containerName", docker: "the container whose resources are read (default: this one)" },
  { path: "env[].valueFrom.resourceFieldRef.divisor", docker: "CPU 1 or 1m; memory 1, 1k to 1T, 1Ki to 1Ti" },
  { path: "env[].valueFrom.secretKeyRef.name", docker: "the key's value in the Secret of that name in the manifests or `podlab:secrets`, kept out of Docker's configuration: a tmpfs file the container reads through env-exec, which starts it (see Secrets in env); a missing one is refused unless optional" },
  { path: "env[].valueFrom.secretKeyRef.key", docker: "the key to read; a missing one is refused unless optional" },
  { path: "env[].valueFrom.secretKeyRef.optional", docker: "true: a missing Secret or key sets no variable, as the kubelet does" },
  { path: "envFrom[].secretRef.name", docker: "each key of the Secret of that name a variable, as configMapRef's, through env-exec as secretKeyRef's" },
  { path: "envFrom[].secretRef.optional", docker: "true: a missing Secret sets nothing" },
  { path: "envFrom[].configMapRef.name", docker: "each key of the ConfigMap of that name in the manifests a variable, before env's (which replace them); keys that are no valid name are skipped, as the kubelet does" },
  { path: "envFrom[].configMapRef.optional", docker: "true: a missing ConfigMap sets nothing" },
  { path: "envFrom[].prefix", docker: "put before each key's name" },
  { path: "resources.limits.memory", docker: "`--memory` (whole MiB), and `--memory-swap` the same where the host accounts swap: no swap beyond the limit, as the kubelet's" },
  { path: "resources.limits.cpu", docker: "`--cpu-quota` over a 100 ms `--cpu-period`, as the kubelet's CFS quota" },
  { path: "resources.requests.memory", docker: "`--memory-reservation`" },
  { path: "resources.requests.cpu", docker: "`--cpu-shares` = millicores × 1024 / 1000 (at least 2), as the kubelet sets cpu.shares; without a request, from the CPU limit, and without either, 2 (the kubelet's MinShares, where Docker's default is 1024)" },
  { path: "securityContext.runAsUser", docker: "`--user UID[:GID]`" },
  { path: "securityContext.runAsGroup", docker: "`--user UID:GID` (needs runAsUser here or on the pod)" },
  { path: "securityContext.readOnlyRootFilesystem", docker: "`--read-only`" },
  { path: "securityContext.capabilities.add", docker: "`--cap-add`; a name with the CAP_ prefix is left out with a warning, on both stacks, as Kubernetes' runtime ignores it" },
  { path: "securityContext.capabilities.drop", docker: "`--cap-drop`; a name with the CAP_ prefix is left out with a warning, as for add" },
  { path: "securityContext.allowPrivilegeEscalation", docker: "false: `--security-opt no-new-privileges:true`, the no_new_privs bit the kubelet asks runc for (true, the default, sets nothing)" },
  { path: "securityContext.seccompProfile.type", docker: "RuntimeDefault: Docker's default profile (no option); Unconfined: `--security-opt seccomp=unconfined`; Localhost: the profile file below (`--security-opt seccomp=<its JSON>`)" },
  { path: "securityContext.seccompProfile.localhostProfile", docker: "a JSON seccomp profile in /var/lib/podlab/seccomp/ on the Docker host, as the kubelet reads one in `<root-dir>/seccomp/` (/var/lib/kubelet/seccomp); a missing or unreadable file is refused before anything is made; the container is made anew when the file changes" },
  { path: "securityContext.appArmorProfile.type", docker: "RuntimeDefault: Docker's `docker-default` profile where AppArmor is on (no option); Unconfined: `--security-opt apparmor=unconfined`; Localhost: `--security-opt apparmor=<localhostProfile>`" },
  { path: "securityContext.appArmorProfile.localhostProfile", docker: "the name of a profile loaded in the Docker host's kernel; refused before anything is made when the host has no AppArmor (the kubelet rejects such a pod: \"AppArmor is not enabled on the host\") or has not loaded it" },
  { path: "volumeMounts[].name", docker: "a `--mount` of the pod volume of that name" },
  { path: "volumeMounts[].mountPath", docker: "the mount's target" },
  { path: "volumeMounts[].readOnly", docker: "a read-only mount" },
  { path: "volumeMounts[].subPath", docker: "mounts that path inside the volume (made in an emptyDir when missing, as the kubelet makes it, never through a symbolic link); a ConfigMap's or Secret's file so mounted is not updated, as on Kubernetes" },
  { path: "volumeMounts[].subPathExpr", docker: "the same, with $(VAR) expanded from the container's env as the kubelet does" },
  { path: "stdin", docker: "`--interactive`: stdin kept open" },
  { path: "tty", docker: "`--tty`: a terminal" },
  { path: "stdinOnce", docker: "false only: Docker keeps stdin open after an attach ends" },
  { path: "imagePullPolicy", kubernetesOnly: "images on a Docker host are local: nothing is pulled" },
  { path: "terminationMessagePath", kubernetesOnly: "read by the kubelet into the Pod's status" },
  { path: "terminationMessagePolicy", kubernetesOnly: "read by the kubelet into the Pod's status" },
];

/** The fields of a probe (readinessProbe, livenessProbe), with what the pod's agent does. */
const PROBE: FieldSupport[] = [
  { path: "exec.command", docker: "run in the container (`docker exec`); exit code 0 passes" },
  { path: "httpGet.path", docker: "GET from the agent to the pod's IP; 200 to 399 passes" },
  { path: "httpGet.port", docker: "a number, or the name of one of the container's ports" },
  { path: "httpGet.scheme", docker: "HTTP only" },
  { path: "httpGet.httpHeaders[].name", docker: "a header the GET sends, as the kubelet sends it (replaces the default User-Agent or Accept; Host sets the host)" },
  { path: "httpGet.httpHeaders[].value", docker: "its value" },
  { path: "tcpSocket.port", docker: "a TCP connection from the agent to the pod's IP; a number or a port's name" },
  { path: "grpc.port", docker: "gRPC health check (grpc.health.v1.Health/Check, plaintext) from the agent to the pod's IP; SERVING passes" },
  { path: "grpc.service", docker: "the service the check names (default \"\": the server's own health)" },
  { path: "initialDelaySeconds", docker: "seconds after the container starts before the first probe (default 0)" },
  { path: "periodSeconds", docker: "seconds between probes (default 10)" },
  { path: "timeoutSeconds", docker: "seconds a probe may take (default 1)" },
  { path: "successThreshold", docker: "passes in a row that make it pass (default 1; 1 for liveness)" },
  { path: "failureThreshold", docker: "failures in a row that make it fail (default 3)" },
];

/** The fields of a lifecycle hook's handler (postStart, preStop), with what the pod's agent does. */
const HOOK: FieldSupport[] = [
  { path: "exec.command", docker: "run in the container (`docker exec`); a non-zero exit code fails the hook" },
  { path: "httpGet.path", docker: "GET from the agent to the pod's IP; 200 to 399 passes" },
  { path: "httpGet.port", docker: "a number, or the name of one of the container's ports" },
  { path: "httpGet.scheme", docker: "HTTP only" },
  { path: "httpGet.httpHeaders[].name", docker: "a header the GET sends" },
  { path: "httpGet.httpHeaders[].value", docker: "its value" },
  { path: "sleep.seconds", docker: "the agent waits that long (PodLifecycleSleepAction)" },
];
const hooks = (at: string): FieldSupport[] => [
  ...HOOK.map((f) => ({ ...f, path: `${at}.lifecycle.postStart.${f.path}`, docker: `postStart, run by the pod's agent after each start (the container is not started, nor Ready, until it completed; a failure kills it, PostStartHookError): ${f.docker}` })),
  ...HOOK.map((f) => ({ ...f, path: `${at}.lifecycle.preStop.${f.path}`, docker: `preStop, run before each stop the agent makes, and by \`podlab-agent stop\` when \`pulumi destroy\` or a replacement ends the pod (\`<pod>-stop\`: every container's at once) or replaces the container (\`<pod>-<container>-pre-stop\`), within terminationGracePeriodSeconds: ${f.docker}` })),
];

/** Every supported field of a Pod manifest. Anything else is refused on the docker platform. */
export const POD_FIELDS: readonly FieldSupport[] = [
  { path: "apiVersion", docker: "must be v1" },
  { path: "kind", docker: "must be Pod" },
  { path: "metadata.name", docker: "the pod's name: container names `<pod>-…`, cgroup `/pod-<pod>` or `pod-<pod>.slice`" },
  { path: "metadata.namespace", kubernetesOnly: "Docker has no namespaces of Pods: a pod name must be unique on its host" },
  { path: "metadata.labels", kubernetesOnly: "labels select Pods for Services and controllers, which a Docker host has not", subtree: true },
  { path: "metadata.annotations", kubernetesOnly: "read by Kubernetes controllers", subtree: true },
  ...CONTAINER.map((f) => ({ ...f, path: `spec.containers[].${f.path}` })),
  ...PROBE.map((f) => ({ ...f, path: `spec.containers[].readinessProbe.${f.path}`, docker: `readiness: ${f.docker}` })),
  ...PROBE.map((f) => ({ ...f, path: `spec.containers[].livenessProbe.${f.path}`, docker: `liveness (a failed one kills the container): ${f.docker}` })),
  ...PROBE.map((f) => ({ ...f, path: `spec.containers[].startupProbe.${f.path}`, docker: `startup (readiness and liveness wait for it; a failed one kills the container): ${f.docker}` })),
  ...hooks("spec.containers[]"),
  { path: "spec.containers[].ports[].containerPort", docker: "the pod's port (unique in the pod: one network namespace)" },
  { path: "spec.containers[].ports[].hostPort", docker: "`--publish` on the sandbox (joiners of its network cannot publish)" },
  { path: "spec.containers[].ports[].protocol", docker: "TCP or UDP in `--publish`" },
  { path: "spec.containers[].ports[].name", docker: "names the port for probes (and for Services, on Kubernetes)" },
  ...CONTAINER.map((f) => ({ ...f, path: `spec.initContainers[].${f.path}` })),
  // Sidecars (restartPolicy: Always) only: the API server refuses probes on other init containers.
  { path: "spec.initContainers[].restartPolicy", docker: "Always: a sidecar container, kept by the pod's agent as the kubelet keeps one: started in order among the init containers and not awaited (the next starts once it runs and, when the agent starts it, its startupProbe passed), restarted whenever it exits (with the back-off), Ready by its readinessProbe, stopped after the app containers" },
  ...PROBE.map((f) => ({ ...f, path: `spec.initContainers[].readinessProbe.${f.path}`, docker: `a sidecar's readiness: ${f.docker}` })),
  ...PROBE.map((f) => ({ ...f, path: `spec.initContainers[].livenessProbe.${f.path}`, docker: `a sidecar's liveness (a failed one kills it): ${f.docker}` })),
  ...PROBE.map((f) => ({ ...f, path: `spec.initContainers[].startupProbe.${f.path}`, docker: `a sidecar's startup (the next init container waits for it): ${f.docker}` })),
  ...hooks("spec.initContainers[]"),
  { path: "spec.initContainers[].ports[].containerPort", docker: "a sidecar's port, as an app container's" },
  { path: "spec.initContainers[].ports[].hostPort", docker: "`--publish` on the sandbox" },
  { path: "spec.initContainers[].ports[].protocol", docker: "TCP or UDP in `--publish`" },
  { path: "spec.initContainers[].ports[].name", docker: "names the port for the sidecar's probes" },
  { path: "spec.hostNetwork", docker: "false only (the default): the pod's own network namespace" },
  { path: "spec.hostPID", docker: "false only (the default): the pod's own PID namespaces" },
  { path: "spec.hostIPC", docker: "false only (the default): the pod's own IPC namespace" },
  { path: "spec.restartPolicy", docker: "the agent's restart rule for exited containers, with the kubelet's back-off" },
  { path: "spec.hostname", docker: "the sandbox's `--hostname`; members get a copy" },
  { path: "spec.shareProcessNamespace", docker: "members join the sandbox's PID namespace (`--pid container:<sandbox>`); pause is PID 1 and reaps zombies" },
  { path: "spec.terminationGracePeriodSeconds", docker: "the grace of every stop (unset: 30, the API server's default): the agent's, `podlab-agent stop`'s when `pulumi destroy` or a replacement ends the pod (preStop hooks, the app containers, then the sidecars in reverse order), `--stop-timeout` and the grace of Pulumi's delete" },
  { path: "spec.resources.limits.memory", docker: "`memory.limit_in_bytes` / `memory.max` of the pod's cgroup (unset: the sum of the containers' limits when each app container has one, as the kubelet's ResourceConfigForPod)" },
  { path: "spec.resources.limits.cpu", docker: "`cpu.cfs_quota_us` / `cpu.max` of the pod's cgroup (unset: the sum of the containers' limits when each app container has one, as the kubelet's ResourceConfigForPod)" },
  { path: "spec.resources.requests.cpu", docker: "`cpu.shares` (millicores × 1024 / 1000, 2 to 262144) / `cpu.weight` of the pod's cgroup, as the kubelet sets it for a pod-level request (PodLevelResources, beta in 1.34); unset beside pod-level limits, the API server's default (the containers' aggregated requests, else the limit); changed in place" },
  { path: "spec.resources.requests.memory", docker: "nothing on the cgroup, as on a kubelet without MemoryQoS (alpha, off): it counts for scheduling only" },
  { path: "spec.securityContext.runAsUser", docker: "the default `--user` of every container" },
  { path: "spec.securityContext.runAsGroup", docker: "the default group in `--user`" },
  { path: "spec.securityContext.seccompProfile.type", docker: "the default of every container's seccompProfile (a container's own wins)" },
  { path: "spec.securityContext.seccompProfile.localhostProfile", docker: "with Localhost, as a container's" },
  { path: "spec.securityContext.supplementalGroups", docker: "`--group-add` on every container" },
  { path: "spec.securityContext.supplementalGroupsPolicy", docker: "Merge only: Docker adds the image's groups for the user, as Merge does" },
  { path: "spec.securityContext.fsGroup", docker: "`--group-add` on every container, and the owning group of the pod's emptyDir, configMap and secret volumes: set-group-ID directories, files readable (configMap, secret) or writable (emptyDir) by the group, as the kubelet's SetVolumeOwnership" },
  { path: "spec.securityContext.fsGroupChangePolicy", docker: "Always or OnRootMismatch: a pod's volumes are new, so both set the group once" },
  { path: "spec.securityContext.appArmorProfile.type", docker: "the default of every container's appArmorProfile (a container's own wins)" },
  { path: "spec.securityContext.appArmorProfile.localhostProfile", docker: "with Localhost, as a container's" },
  { path: "spec.volumes[].name", docker: "names the volume for volumeMounts" },
  { path: "spec.volumes[].emptyDir", docker: "a directory (0777) under /var/lib/podlab/pods/<pod>/volumes/empty-dir/, bind-mounted by the containers that mount it; a new one when the pod is replaced, removed with the pod" },
  { path: "spec.volumes[].emptyDir.medium", docker: "Memory: a tmpfs mounted on the emptyDir's directory, sized as the kubelet sizes it (the smallest of the host's memory, the pod's memory limit and sizeLimit); its pages count against the memory of the container that writes them, as on Kubernetes" },
  { path: "spec.volumes[].emptyDir.sizeLimit", docker: "with medium Memory, the tmpfs's size; on disk refused: the kubelet's eviction manager enforces it there, and a Docker host has none" },
  { path: "spec.volumes[].hostPath.path", docker: "a bind mount of the host's path" },
  { path: "spec.volumes[].hostPath.type", docker: "\"\" or DirectoryOrCreate (a missing directory is made), Directory (must exist)" },
  { path: "spec.volumes[].configMap.name", docker: "the ConfigMap of that name in the manifests (data and binaryData): each key a file under /var/lib/podlab/pods/<pod>/volumes/configmap/, bind-mounted read-only, written and updated the kubelet's atomic way (a `..data` link swung in one rename)" },
  { path: "spec.volumes[].configMap.items[].key", docker: "only the listed keys are files; a missing one is refused unless optional" },
  { path: "spec.volumes[].configMap.items[].path", docker: "the key's file's path in the volume" },
  { path: "spec.volumes[].configMap.items[].mode", docker: "the file's mode bits" },
  { path: "spec.volumes[].configMap.defaultMode", docker: "the files' mode bits (default 0644)" },
  { path: "spec.volumes[].configMap.optional", docker: "true: a ConfigMap missing from the manifests mounts an empty volume" },
  { path: "spec.volumes[].secret.secretName", docker: "the Secret of that name in the manifests (data and stringData): each key a file on a tmpfs under /var/lib/podlab/pods/<pod>/volumes/secret/, bind-mounted read-only, updated atomically; its values reach the host only inside Pulumi secrets" },
  { path: "spec.volumes[].secret.items[].key", docker: "only the listed keys are files; a missing one is refused unless optional" },
  { path: "spec.volumes[].secret.items[].path", docker: "the key's file's path in the volume" },
  { path: "spec.volumes[].secret.items[].mode", docker: "the file's mode bits" },
  { path: "spec.volumes[].secret.defaultMode", docker: "the files' mode bits (default 0644)" },
  { path: "spec.volumes[].secret.optional", docker: "true: a Secret missing from the manifests mounts an empty volume" },
  { path: "spec.volumes[].downwardAPI.items[].path", docker: "a file on the volume's tmpfs (under /var/lib/podlab/pods/<pod>/volumes/projected/), written the kubelet's atomic way" },
  { path: "spec.volumes[].downwardAPI.items[].fieldRef.fieldPath", docker: "metadata.name, metadata.namespace, metadata.labels and metadata.annotations (whole, `key=\"value\"` lines, or ['…'] one), spec.nodeName (the Docker host's name); others refused" },
  { path: "spec.volumes[].downwardAPI.items[].fieldRef.apiVersion", docker: "v1" },
  { path: "spec.volumes[].downwardAPI.items[].resourceFieldRef.containerName", docker: "the container whose resources are written" },
  { path: "spec.volumes[].downwardAPI.items[].resourceFieldRef.resource", docker: "limits.cpu, limits.memory, requests.cpu, requests.memory, as env's resourceFieldRef" },
  { path: "spec.volumes[].downwardAPI.items[].resourceFieldRef.divisor", docker: "as env's resourceFieldRef" },
  { path: "spec.volumes[].downwardAPI.items[].mode", docker: "the file's mode bits" },
  { path: "spec.volumes[].downwardAPI.defaultMode", docker: "the files' mode bits (default 0644)" },
  { path: "spec.volumes[].projected.sources[].secret", docker: "a Secret's keys or items, as a secret volume's (name, items, optional); the volume's files then travel as Pulumi secrets", subtree: true },
  { path: "spec.volumes[].projected.sources[].configMap", docker: "a ConfigMap's keys or items, as a configMap volume's (name, items, optional)", subtree: true },
  { path: "spec.volumes[].projected.sources[].downwardAPI", docker: "pod fields and resources, as a downwardAPI volume's items", subtree: true },
  { path: "spec.volumes[].persistentVolumeClaim.claimName", docker: "a PersistentVolumeClaim of the manifests: the Docker volume `pvc_<claim>` (a named volume of the stack, not of the pod: kept when the pod is replaced, removed by `pulumi destroy` or when the claim leaves the manifests, kept then if its StorageClass's reclaimPolicy is Retain); mounted without copying the image's files into it, as a PersistentVolume is" },
  { path: "spec.volumes[].persistentVolumeClaim.readOnly", docker: "true: every mount of it is read-only" },
  { path: "spec.volumes[].projected.defaultMode", docker: "the files' mode bits (default 0644); all sources' files on one tmpfs, written the kubelet's atomic way" },
  { path: "spec.nodeSelector", kubernetesOnly: "a Docker host is one node: there is nothing to select", subtree: true },
  { path: "spec.nodeName", kubernetesOnly: "a Docker host is one node" },
  { path: "spec.affinity", kubernetesOnly: "scheduling: a Docker host is one node", subtree: true },
  { path: "spec.tolerations", kubernetesOnly: "scheduling: a Docker host has no taints", subtree: true },
  { path: "spec.schedulerName", kubernetesOnly: "scheduling: a Docker host is one node" },
  { path: "spec.priorityClassName", kubernetesOnly: "scheduling and eviction order, done by Kubernetes" },
  { path: "spec.serviceAccountName", kubernetesOnly: "an API identity: a Docker host has no Kubernetes API" },
  { path: "spec.automountServiceAccountToken", kubernetesOnly: "an API identity: a Docker host has no Kubernetes API" },
  { path: "spec.enableServiceLinks", kubernetesOnly: "Service variables: a Docker host has no Services" },
  { path: "spec.dnsPolicy", kubernetesOnly: "cluster DNS: a Docker pod uses the engine's DNS" },
  { path: "spec.topologySpreadConstraints", kubernetesOnly: "scheduling: a Docker host is one node", subtree: true },
  { path: "spec.schedulingGates", kubernetesOnly: "scheduling: a Docker host schedules nothing", subtree: true },
  { path: "spec.priority", kubernetesOnly: "scheduling and eviction order, done by Kubernetes" },
  { path: "spec.preemptionPolicy", kubernetesOnly: "scheduling: preemption is the scheduler's" },
  { path: "spec.imagePullSecrets", kubernetesOnly: "registry credentials: images on a Docker host are local: nothing is pulled", subtree: true },
  { path: "spec.serviceAccount", kubernetesOnly: "an API identity (the deprecated name of serviceAccountName): a Docker host has no Kubernetes API" },
];

/**
 * The names of constructs the docker platform does not render, by their generic path's last part (or
 * whole path), for messages: "spec.containers[0].securityContext.privileged: privileged containers are not rendered ...".
 */
const FEATURES: Record<string, string> = {
  "lifecycle": "lifecycle hooks",
  "postStart.tcpSocket": "tcpSocket lifecycle handlers (deprecated: no kubelet runs them)", "preStop.tcpSocket": "tcpSocket lifecycle handlers (deprecated: no kubelet runs them)",
  "lifecycle.stopSignal": "stop signals (ContainerStopSignals)",
  "startupProbe": "startup probes",
  "readinessProbe": "readiness probes of init containers",
  "livenessProbe": "liveness probes of init containers",
  "grpc": "gRPC probes",
  "httpGet.host": "httpGet probes to another host",
  "terminationGracePeriodSeconds": "probe-level termination grace periods",
  "valueFrom": "environment variables from other sources (env[].valueFrom)",
  "envFrom": "environment variables from ConfigMaps and Secrets (envFrom)",
  "secretKeyRef": "Secrets (secretKeyRef)", "secretRef": "Secrets (envFrom secretRef)", "fileKeyRef": "environment variables from files (fileKeyRef)",
  "ports": "ports of init containers (sidecar-style init containers)",
  "restartPolicy": "restart policies of single containers (sidecar containers)",
  "restartPolicyRules": "container restart rules",
  "resizePolicy": "in-place resize policies",
  "stdin": "stdin", "stdinOnce": "stdin", "tty": "terminals (tty)",
  "volumeDevices": "raw block devices",
  "subPath": "volume subPaths", "subPathExpr": "volume subPaths",
  "mountPropagation": "mount propagation", "recursiveReadOnly": "recursive read-only mounts",
  "resources.claims": "dynamic resource claims", "resourceClaims": "dynamic resource claims",
  "securityContext.privileged": "privileged containers",
  "securityContext.seLinuxOptions": "SELinux options", "securityContext.runAsNonRoot": "runAsNonRoot",
  "securityContext.procMount": "procMount", "securityContext.windowsOptions": "Windows options",
  "securityContext.fsGroup": "fsGroup", "securityContext.fsGroupChangePolicy": "fsGroup",
  "securityContext.supplementalGroups": "supplemental groups", "securityContext.supplementalGroupsPolicy": "supplemental groups",
  "securityContext.sysctls": "sysctls", "securityContext.seLinuxChangePolicy": "SELinux options",
  "emptyDir.medium": "memory-backed emptyDirs (medium: Memory)", "emptyDir.sizeLimit": "emptyDir size limits",
  "secret": "secret volumes", "downwardAPI": "downwardAPI volumes", "projected": "projected volumes",
  "serviceAccountToken": "service account tokens (a Docker host has no Kubernetes API)", "clusterTrustBundle": "cluster trust bundles (a Docker host has no Kubernetes API)",
  "podCertificate": "pod certificates (a Docker host has no Kubernetes API)",
  "nfs": "NFS volumes", "csi": "CSI volumes",
  "ephemeral": "ephemeral volumes", "image": "image volumes",
  "hostAliases": "host aliases (/etc/hosts entries)", "dnsConfig": "DNS settings (dnsConfig)",
  "setHostnameAsFQDN": "setHostnameAsFQDN", "subdomain": "subdomains", "hostUsers": "user namespaces (hostUsers)",
  "os": "the pod's OS field", "overhead": "runtime overhead", "runtimeClassName": "runtime classes",
  "readinessGates": "readiness gates", "activeDeadlineSeconds": "active deadlines",
  "ephemeralContainers": "ephemeral containers", "resources.requests": "pod-level requests",
  "hostnameOverride": "hostname overrides", "metadata.generateName": "generated names",
  "metadata.ownerReferences": "owner references", "metadata.finalizers": "finalizers",
};

/** The feature a generic path names, by its longest known suffix; else the field's own name. */
function featureOf(generic: string): string {
  const parts = generic.replace(/\[\]/g, "").split(".");
  for (let n = parts.length; n >= 1; n--) {
    const key = parts.slice(-n).join(".");
    if (FEATURES[key]) return FEATURES[key];
  }
  return `the field ${parts[parts.length - 1]}`;
}

const generic = (path: string) => path.replace(/\[[0-9]+\]/g, "[]");

function rowFor(path: string): FieldSupport | undefined {
  const g = generic(path);
  return POD_FIELDS.find((f) => f.path === g || (f.subtree && g.startsWith(`${f.path}.`)));
}

/** Some row lies below the path: the walk goes on into it. */
function hasRowBelow(path: string): boolean {
  const g = generic(path);
  return POD_FIELDS.some((f) => f.path.startsWith(`${g}.`) || f.path.startsWith(`${g}[]`));
}

/**
 * Refuses any field of a Pod manifest (already accepted by the API server's validation) that the
 * docker platform does not render and that is not Kubernetes-only, at the shallowest path with no row
 * in the table, naming the feature: "spec.containers[0].securityContext.privileged: privileged
 * containers are not rendered on the docker platform". Returns the Kubernetes-only fields it found, to say they were left out.
 * `source` prefixes messages ("pods/foo.yaml: Pod foo"). Throws a PodSpecError with the path.
 */
export function checkSupported(pod: object, source: string): string[] {
  const ignored: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const row = path ? rowFor(path) : undefined;
    if (row?.kubernetesOnly) {
      ignored.push(path);
      return;
    }
    if (row?.subtree) return;
    const isObject = value !== null && typeof value === "object";
    if (path && !row && !hasRowBelow(path)) {
      throw PodSpecError.plain(`${source}: ${path}`, `${featureOf(generic(path))} ${/s$|\)$/.test(featureOf(generic(path))) ? "are" : "is"} not rendered on the docker platform (see the README's support table)`);
    }
    if (isObject && Array.isArray(value) && !row) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    if (isObject && !Array.isArray(value)) {
      // An empty object sets nothing (resources: {}), unless its row gives it a meaning (emptyDir: {}).
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    if (!row) throw new PodSpecError(`${source}: ${path}`, value, "is not supported on the docker platform (see the README's support table)");
  };
  walk(pod, "");
  return ignored;
}
