# The preStop hooks of a pod's containers, run when `pulumi destroy` or a replacement of the pod is
# about to stop them (the command's delete; its create does nothing): as the kubelet's killContainer
# runs them (pkg/kubelet/kuberuntime/kuberuntime_container.go executePreStopHook), side by side, each
# within the pod's terminationGracePeriodSeconds; Pulumi stops the containers after. A container that
# does not run is left alone. Values come from the environment only (names checked against strict
# patterns first, and again here):
#   PODLAB_POD            the pod's name
#   PODLAB_GRACE_SECONDS  the pod's terminationGracePeriodSeconds (30 unset)
#   PODLAB_HOOKS          the containers with a preStop hook, one per line; for the n-th (from 0):
#   PODLAB_HOOK_<n>_KIND  exec | httpGet | sleep
#   PODLAB_HOOK_<n>_ARGC and PODLAB_HOOK_<n>_ARG_<i>   exec: the command's words
#   PODLAB_HOOK_<n>_PORT, _PATH, _HEADERS ("Name: value" lines)   httpGet, to the pod's IP
#   PODLAB_HOOK_<n>_SECONDS                           sleep
set -euo pipefail
: "${PODLAB_POD:?}" "${PODLAB_GRACE_SECONDS:?}" "${1:?action}"
fail() { echo "podlab pre-stop: $*" >&2; exit 1; }
[[ "$PODLAB_POD" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ && "$PODLAB_GRACE_SECONDS" =~ ^[0-9]+$ ]] || fail "unexpected pod $PODLAB_POD or grace $PODLAB_GRACE_SECONDS"

# GET to the pod's IP with bash's own /dev/tcp (a Docker host need not have curl); 200 to 399 passes.
http_get() { # ip port path headers
  local status
  exec 3<> "/dev/tcp/$1/$2" || return 1
  { printf 'GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: kube-lifecycle/1.34\r\nConnection: close\r\n' "$3" "$1" "$2"
    [ -z "$4" ] || printf '%s\n' "$4" | tr -d '\r' | sed 's/$/\r/'
    printf '\r\n'; } >&3
  read -r _ status _ <&3 || status=0
  exec 3<&-
  [[ "$status" =~ ^[0-9]+$ ]] && [ "$status" -ge 200 ] && [ "$status" -lt 400 ]
}

hook() { # hook N NAME
  local n=$1 name=$2 kind argc i var ip
  local -a args=()
  var="PODLAB_HOOK_${n}_KIND"; kind=${!var}
  case "$kind" in
    exec)
      var="PODLAB_HOOK_${n}_ARGC"; argc=${!var}
      [[ "$argc" =~ ^[0-9]+$ ]] || fail "unexpected argument count $argc"
      for ((i = 0; i < argc; i++)); do var="PODLAB_HOOK_${n}_ARG_$i"; args+=("${!var}"); done
      timeout "$PODLAB_GRACE_SECONDS" docker exec "$PODLAB_POD-$name" "${args[@]}" ;;
    httpGet)
      local port path headers
      var="PODLAB_HOOK_${n}_PORT"; port=${!var}
      var="PODLAB_HOOK_${n}_PATH"; path=${!var}
      var="PODLAB_HOOK_${n}_HEADERS"; headers=${!var:-}
      [[ "$port" =~ ^[0-9]+$ && "$path" =~ ^/[^[:space:]]*$ ]] || fail "unexpected httpGet $port $path"
      ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$PODLAB_POD-sandbox")
      timeout "$PODLAB_GRACE_SECONDS" bash -c "$(declare -f http_get); http_get \"\$@\"" _ "$ip" "$port" "$path" "$headers" ;;
    sleep)
      var="PODLAB_HOOK_${n}_SECONDS"
      [[ "${!var}" =~ ^[0-9]+$ ]] || fail "unexpected sleep ${!var}"
      sleep "$(( ${!var} < PODLAB_GRACE_SECONDS ? ${!var} : PODLAB_GRACE_SECONDS ))" ;;
    *) fail "unknown handler $kind" ;;
  esac
}

run_hooks() {
  local name n=0 t0=$SECONDS
  local -a jobs=()
  # No grace, no hook: the kubelet runs preStop only with time left for it.
  if [ "$PODLAB_GRACE_SECONDS" = 0 ]; then echo "preStop hooks of pod $PODLAB_POD: none run (terminationGracePeriodSeconds 0)"; return; fi
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    [[ "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "unexpected container name $name"
    if [ "$(docker inspect -f '{{.State.Running}}' "$PODLAB_POD-$name" 2>/dev/null)" = true ]; then
      # A failed hook is reported and the stop goes on, as the kubelet's FailedPreStopHook event.
      ( hook "$n" "$name" > /dev/null 2>&1 && echo "preStop hook of $name completed" || echo "preStop hook of $name failed (FailedPreStopHook)" ) &
      jobs+=($!)
    fi
    n=$((n + 1))
  done <<< "${PODLAB_HOOKS:-}"
  for j in "${jobs[@]}"; do wait "$j" || true; done
  echo "preStop hooks of pod $PODLAB_POD: ${#jobs[@]} run in $((SECONDS - t0))s"
}

case "$1" in
  create | update) echo "preStop hooks of pod $PODLAB_POD: run before its containers stop" ;;
  delete) run_hooks ;;
  *) fail "unknown action $1" ;;
esac
