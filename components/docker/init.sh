# Runs a pod's init containers during `pulumi up`, as the kubelet does before any app container
# starts: one at a time, in order, each to completion; a failed one is started again with the
# kubelet's back-off (10 s, doubling, at most 300 s) unless restartPolicy is Never, until the ready
# timeout. Pulumi creates the init containers without starting them; the members depend on this
# command, so none starts before every init container has succeeded. Values come from the
# environment only (names were checked against the DNS-label pattern first):
#   PODLAB_POD                    the pod's name
#   PODLAB_INIT_CONTAINERS        the init containers' names, space-separated, in order
#   PODLAB_SIDECARS               those of them that are sidecars (restartPolicy: Always), space-separated:
#                                 started and not awaited; the next one starts once it runs (the pod's
#                                 agent keeps it running after, and waits for a startupProbe)
#   PODLAB_RESTART_POLICY         Always | OnFailure | Never
#   PODLAB_READY_TIMEOUT_SECONDS  how long the pod may take to get ready
#   PODLAB_MASK                   the pod's Secret values, one per line (masks.ts): masked in the log
#                                 lines a failure quotes
set -euo pipefail
: "${PODLAB_POD:?}" "${PODLAB_INIT_CONTAINERS:?}" "${PODLAB_RESTART_POLICY:?}" "${PODLAB_READY_TIMEOUT_SECONDS:?}"
deadline=$((SECONDS + PODLAB_READY_TIMEOUT_SECONDS))

is_sidecar() { case " ${PODLAB_SIDECARS:-} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# back_off WHAT REASON: the kubelet's back-off before the next start (delay and restarts are the loop's).
back_off() {
  echo "$1: starting it again in ${delay}s ($2)"
  sleep "$delay"
  delay=$((delay * 2 > 300 ? 300 : delay * 2))
  restarts=$((restarts + 1))
}

# mask: stdin with every line of PODLAB_MASK replaced by ***, as plain text (awk's index, no pattern).
mask() {
  awk 'BEGIN { n = split(ENVIRON["PODLAB_MASK"], m, "\n") }
    { for (i = 1; i <= n; i++) if (length(m[i]) >= 3) while ((j = index($0, m[i])) > 0) $0 = substr($0, 1, j - 1) "***" substr($0, j + length(m[i])); print }'
}

# give_up CONTAINER MESSAGE: fails the gate with the message and the container's last log lines.
give_up() {
  {
    echo "$2"
    echo "  last log lines:"
    docker logs --tail 10 "$1" 2>&1 | mask | sed 's/^/    /'
  } >&2
  exit 1
}

for name in $PODLAB_INIT_CONTAINERS; do
  container="$PODLAB_POD-$name"
  delay=10
  restarts=0
  while is_sidecar "$name"; do
    # A sidecar: started, then the next init container once it runs (the kubelet's "started"). One
    # that exits is started again after the back-off, whatever the pod's restartPolicy.
    started=$SECONDS
    docker start "$container" > /dev/null
    sleep 1
    if [ "$(docker inspect --format '{{.State.Running}}' "$container")" = true ]; then
      echo "sidecar $name started in $((SECONDS - started))s ($restarts restarts)"
      break
    fi
    code=$(docker inspect --format '{{.State.ExitCode}}' "$container")
    if [ $((SECONDS + delay)) -ge "$deadline" ]; then
      give_up "$container" "pod $PODLAB_POD: sidecar $name does not keep running: exit code $code, $restarts restarts"
    fi
    back_off "sidecar $name exited with code $code" CrashLoopBackOff
  done
  is_sidecar "$name" && continue
  while :; do
    started=$SECONDS
    left=$((deadline - SECONDS))
    # --attach returns when the container exits; its output goes to the log, read on failure. An init
    # container that does not finish within the ready timeout is stopped, and fails the pod.
    if [ "$left" -le 0 ] || ! timeout "$left" docker start --attach "$container" > /dev/null 2>&1; then
      if [ "$(docker inspect --format '{{.State.Running}}' "$container")" = true ]; then
        docker stop "$container" > /dev/null
        give_up "$container" "pod $PODLAB_POD: init container $name did not complete within the ready timeout (${PODLAB_READY_TIMEOUT_SECONDS}s), $restarts restarts: stopped"
      fi
    fi
    code=$(docker inspect --format '{{.State.ExitCode}}' "$container")
    if [ "$code" = 0 ]; then
      echo "init container $name completed in $((SECONDS - started))s ($restarts restarts)"
      break
    fi
    if [ "$PODLAB_RESTART_POLICY" = Never ] || [ $((SECONDS + delay)) -ge "$deadline" ]; then
      give_up "$container" "pod $PODLAB_POD: init container $name failed: exit code $code, $restarts restarts (restartPolicy $PODLAB_RESTART_POLICY)"
    fi
    back_off "init container $name exited with code $code" Init:CrashLoopBackOff
  done
done
