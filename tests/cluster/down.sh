#!/usr/bin/env bash
# Stop what up.sh DIR started, by PID, and remove the test users and the PAM service file. Safe to run
# twice and after a partial up.sh.
set -uo pipefail

dir=${1:?usage: down.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)

for pidfile in "$dir"/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  # Only a process that still is an sshd started with our config is ours to stop.
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/sshd_"; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
done

for userfile in "$dir/user" "$dir/user_tcsh"; do
  [ -f "$userfile" ] || continue
  user=$(cat "$userfile")
  # -f: a session a crashed test left open must not keep the user alive; it ends with its client.
  case "$user" in sluice_[tc]*) userdel -f "$user" 2>/dev/null ;; esac
  rm -f "$userfile"
done

if [ -f "$dir/pam_service" ]; then
  service=$(cat "$dir/pam_service")
  case "$service" in sluice-test-oath-*) rm -f "/etc/pam.d/$service" ;; esac
  rm -f "$dir/pam_service"
fi

rm -f "$dir/env"
exit 0
