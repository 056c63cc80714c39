# shellcheck shell=bash
# Sourced by the fixtures' scripts.

# skip_or_fail MESSAGE: on a developer machine without root the fixture is marked skipped (SKIP=MESSAGE
# in $fixture_env, which the tests read) and the script exits 0; with CI=true, or as root (where nothing
# should be missing), it fails. The caller sets fixture_env and fixture_name ("the test Slurm").
skip_or_fail() {
  local me
  me=$(basename "$0")
  if [ "${CI:-}" = "true" ] || [ "$(id -u)" -eq 0 ]; then
    echo "$me: $1" >&2
    exit 1
  fi
  echo "SKIP=$1" >"${fixture_env:?}"
  echo "$me: skipping ${fixture_name:?}: $1" >&2
  exit 0
}

# free_ports N prints N distinct TCP ports nobody listens on (IPv4 and IPv6 tables), space-separated; the
# daemons bind them moments later.
listening_ports() {
  local local_address state table
  for table in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$table" ] || continue
    while read -r _ local_address _ state _; do
      [ "$state" = "0A" ] && echo $((16#${local_address##*:}))
    done < <(tail -n +2 "$table")
  done
}

free_ports() { # N
  local taken chosen=() port
  taken=$(listening_ports)
  for _ in $(seq 1 $((100 * $1))); do
    [ ${#chosen[@]} -eq "$1" ] && break
    port=$((20000 + RANDOM % 40000))
    grep -qx "$port" <<<"$taken" && continue
    [[ " ${chosen[*]} " == *" $port "* ]] && continue
    chosen+=("$port")
  done
  [ ${#chosen[@]} -eq "$1" ] || return 1
  echo "${chosen[*]}"
}
