# The stop of a pod's containers when `pulumi destroy` or a replacement removes them: the command's
# delete runs `podlab-agent stop` (agent/stop.go) in a one-shot container of the agent's image, which
# stops them as the kubelet ends a pod (preStop hooks, the app, then the sidecars in reverse order,
# all within terminationGracePeriodSeconds); Pulumi then removes stopped containers. Its create and
# update do nothing. Values come from the environment only (checked by podlab before, by the agent here):
#   PODLAB_POD          the pod's name
#   PODLAB_PODS         the pod as the agent is told it (JSON, agent/config.go's PodConfig)
#   PODLAB_AGENT_IMAGE  the agent's image (its ID)
#   PODLAB_CONTAINERS   only these containers, comma-separated (unset: all of the pod's)
set -euo pipefail
: "${PODLAB_POD:?}" "${PODLAB_PODS:?}" "${PODLAB_AGENT_IMAGE:?}" "${1:?action}"
case "$1" in
  create | update) echo "pod $PODLAB_POD${PODLAB_CONTAINERS:+, container $PODLAB_CONTAINERS}: stopped by podlab-agent stop when destroyed or replaced" ;;
  delete)
    if ! docker image inspect "$PODLAB_AGENT_IMAGE" > /dev/null 2>&1; then
      # Its image was removed by hand: Pulumi's delete still stops each container within the grace.
      echo "pod $PODLAB_POD: the agent's image $PODLAB_AGENT_IMAGE is gone: its containers stop without the kubelet's order and hooks" >&2
      exit 0
    fi
    args=(stop --pod "$PODLAB_POD")
    [ -z "${PODLAB_CONTAINERS:-}" ] || args+=(--containers "$PODLAB_CONTAINERS")
    exec docker run --rm --log-driver none -v /var/run/docker.sock:/var/run/docker.sock -e PODLAB_PODS "$PODLAB_AGENT_IMAGE" "${args[@]}" ;;
  *) echo "podlab stop: unknown action $1" >&2; exit 1 ;;
esac
