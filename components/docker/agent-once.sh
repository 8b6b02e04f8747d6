# Runs podlab's pod agent once, in a container of its image, for a command resource's action: the
# pod's init phase when `pulumi up` makes it (`podlab-agent init`, agent/initialize.go), its end when
# `pulumi destroy` or a replacement removes it (`podlab-agent stop`, agent/stop.go). The lifecycle
# rules are the agent's; this only starts it. Values come from the environment only (checked by podlab
# before, by the agent here):
#   PODLAB_POD                    the pod's name
#   PODLAB_PODS                   the pod as the agent is told it (JSON, agent/config.go's PodConfig)
#   PODLAB_AGENT_IMAGE            the agent's image (its ID)
#   PODLAB_POST_STARTED_DIR       the host folder of the runs whose postStart hook completed
#   PODLAB_ON_CREATE, PODLAB_ON_DELETE   init, stop, or unset: what the action runs (update runs nothing)
#   PODLAB_TIMEOUT                init: how long the phase may take (e.g. 600s)
#   PODLAB_CONTAINERS             stop: only these containers, comma-separated (unset: the whole pod)
#   PODLAB_MASK                   init: the pod's Secret values, one per line, masked in what it prints
#   PODLAB_MADE_AFTER             stop: the images of the pod's containers (unused here: a change updates the stop)
#   PULUMI_COMMAND_STDOUT         the command provider's: the previous create's or update's output
set -euo pipefail
: "${PODLAB_POD:?}" "${PODLAB_PODS:?}" "${PODLAB_AGENT_IMAGE:?}" "${PODLAB_POST_STARTED_DIR:?}" "${1:?action}"
case "$1" in
  create) what=${PODLAB_ON_CREATE:-} ;;
  delete) what=${PODLAB_ON_DELETE:-} ;;
  update) what= ;;
  *) echo "podlab agent-once: unknown action $1" >&2; exit 1 ;;
esac
# A stop's create and update say when they ran, after the pod's containers (an update follows a
# container replaced alone: PODLAB_MADE_AFTER); its delete stops only containers made before that
# (PULUMI_COMMAND_STDOUT is the last create's or update's output): a replacement of the pod that
# Pulumi orders after the new pod's containers exist leaves those alone.
made_at=
[[ "${PULUMI_COMMAND_STDOUT:-}" =~ podlab-made-at\ ([0-9]+) ]] && made_at=${BASH_REMATCH[1]}
if [ "${PODLAB_ON_DELETE:-}" = stop ] && [ "$1" != delete ]; then
  echo "podlab-made-at $(date +%s%N)"
fi
case "$what" in
  "") exit 0 ;;
  init) args=(init --pod "$PODLAB_POD" --timeout "${PODLAB_TIMEOUT:?}") ;;
  stop)
    args=(stop --pod "$PODLAB_POD")
    [ -z "${PODLAB_CONTAINERS:-}" ] || args+=(--containers "$PODLAB_CONTAINERS")
    [ -z "$made_at" ] || args+=(--created-before "$made_at") ;;
  *) echo "podlab agent-once: unknown agent command $what" >&2; exit 1 ;;
esac
if ! err=$(docker image inspect "$PODLAB_AGENT_IMAGE" 2>&1 > /dev/null); then
  # Only an image that is gone: an engine that cannot be asked fails the action, whatever it is.
  case "$err" in
    *"No such image"*|*"no such image"*) ;;
    *) echo "pod $PODLAB_POD: cannot ask the Docker engine for the agent's image $PODLAB_AGENT_IMAGE: $err" >&2; exit 1 ;;
  esac
  if [ "$what" = stop ]; then
    # Its image was removed by hand: Pulumi's delete still stops each container within the grace.
    echo "pod $PODLAB_POD: the agent's image $PODLAB_AGENT_IMAGE is gone: its containers stop without the kubelet's order and hooks" >&2
    exit 0
  fi
  echo "pod $PODLAB_POD: the agent's image $PODLAB_AGENT_IMAGE is not on this Docker host: run 'pulumi up' again to bring it" >&2
  exit 1
fi
exec docker run --rm --log-driver none -v /var/run/docker.sock:/var/run/docker.sock \
  -v "$PODLAB_POST_STARTED_DIR:$PODLAB_POST_STARTED_DIR" -e PODLAB_PODS -e PODLAB_POST_STARTED_DIR ${PODLAB_MASK:+-e PODLAB_MASK} \
  "$PODLAB_AGENT_IMAGE" "${args[@]}"
