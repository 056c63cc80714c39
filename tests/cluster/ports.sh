# Sourced by the fixtures: free_ports N prints N distinct TCP ports nobody listens on (IPv4 and IPv6
# tables), space-separated; the daemons bind them moments later.
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
