# shellcheck shell=bash
# Copies podlab's locally built images to a remote Docker host (there is no registry to pull from):
# one `docker save | ssh docker load` stream for every image the remote engine lacks, so layers the
# images share cross once. Run by the command provider with bash on the local host; values come from
# the environment (checked before):
#   PODLAB_IMAGES        newline-separated "reference id" pairs (the local engine's image IDs)
#   PODLAB_SSH_DEST      user@host;  PODLAB_SSH_PORT;  PODLAB_SSH_IDENTITY;  PODLAB_SSH_KNOWN_HOSTS
set -euo pipefail
: "${PODLAB_IMAGES:?}" "${PODLAB_SSH_DEST:?}" "${PODLAB_SSH_PORT:?}" "${PODLAB_SSH_IDENTITY:?}" "${PODLAB_SSH_KNOWN_HOSTS:?}"
t0=$SECONDS
remote() {
  ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o UserKnownHostsFile="$PODLAB_SSH_KNOWN_HOSTS" \
    -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$PODLAB_SSH_IDENTITY" -p "$PODLAB_SSH_PORT" "$PODLAB_SSH_DEST" -- "$@"
}
missing=()
while read -r ref id; do
  [ -n "$ref" ] || continue
  [ "$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null)" = "$id" ] \
    || { echo "podlab images: $ref is no longer $id on the local engine: run pulumi up again" >&2; exit 1; }
  have=$(remote docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null < /dev/null || true)
  if [ "$have" = "$id" ]; then echo "$ref: already on $PODLAB_SSH_DEST"; else missing+=("$ref"); fi
done <<< "$PODLAB_IMAGES"
if [ ${#missing[@]} -gt 0 ]; then
  echo "copying ${missing[*]} to $PODLAB_SSH_DEST ($(docker image inspect -f '{{.Size}}' "${missing[@]}" | awk '{ s += $1 } END { printf "%d MB before shared layers", s / 1e6 }'))"
  docker save "${missing[@]}" | remote docker load
fi
echo "images on $PODLAB_SSH_DEST in $((SECONDS - t0))s"
