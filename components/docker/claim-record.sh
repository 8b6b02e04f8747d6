# The record that this stack made a claim's Docker volume, on the Docker host: a file that a prune
# of volumes cannot take, by which the next `up` tells a volume gone since (the claim reads Lost, as
# on Kubernetes) from a claim never made (components/docker/host.ts checkClaimsLost). Run by the
# command provider with bash; values come from the environment (checked by podlab before):
#   PODLAB_RECORD   the record's path, /var/lib/podlab/claims/<claim>
#   PODLAB_STACK    the stack that made the volume (project/stack)
#   PODLAB_VOLUME   the volume's name, pvc_<claim>
set -euo pipefail
: "${PODLAB_RECORD:?}" "${PODLAB_STACK:?}" "${PODLAB_VOLUME:?}"
case "${1:?action}" in
  create|update)
    mkdir -p "$(dirname "$PODLAB_RECORD")"
    printf '%s\n' "$PODLAB_STACK" > "$PODLAB_RECORD.tmp"
    mv -f "$PODLAB_RECORD.tmp" "$PODLAB_RECORD"
    echo "recorded: $PODLAB_VOLUME, stack $PODLAB_STACK" ;;
  delete)
    rm -f "$PODLAB_RECORD"
    echo "record of $PODLAB_VOLUME removed" ;;
  *) echo "podlab claim-record: unknown action $1" >&2; exit 1 ;;
esac
