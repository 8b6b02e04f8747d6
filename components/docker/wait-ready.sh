# Readiness gate of docker-host pods: asks their agent whether the pods are ready (run by `pulumi up`, see agent.ts).
# The agent knows each container's state, restart count and log. Values come from the environment:
#   PODLAB_AGENT          the agent container's name, e.g. foo-agent
#   PODLAB_PODS           the pods to wait for, comma-separated DNS labels, e.g. foo,bar
#   PODLAB_READY_TIMEOUT  how long to wait, e.g. 600s
#   PODLAB_MIN_READY      how long the pod must have been ready (minReadySeconds), e.g. 0s
set -euo pipefail
: "${PODLAB_AGENT:?}" "${PODLAB_PODS:?}" "${PODLAB_READY_TIMEOUT:?}" "${PODLAB_MIN_READY:?}"
exec docker exec ${PODLAB_MASK:+-e PODLAB_MASK} "$PODLAB_AGENT" /podlab-agent wait --pods "$PODLAB_PODS" --timeout "$PODLAB_READY_TIMEOUT" --min-ready "$PODLAB_MIN_READY"
