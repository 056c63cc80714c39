#!/usr/bin/env bash
# Stop what slurm_up.sh DIR started, by PID: jobs still queued are cancelled first, then slurmd (and any
# slurmstepd it left), slurmctld and munged. Safe to run twice and after a partial slurm_up.sh.
set -uo pipefail

dir=${1:?usage: slurm_down.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
conf="$dir/slurm.conf"

# The PID in `pidfile` if that process still is one of ours: its command line names `mark`.
our_pid() { # pidfile mark
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" && echo "$pid"
}

stop_pid() { # pid
  kill "$1" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
}

if [ -f "$conf" ] && our_pid "$dir/slurm/slurmctld.pid" "$conf" >/dev/null; then
  export SLURM_CONF="$conf"
  jobs=$(timeout 10 squeue -h -o %i 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    # shellcheck disable=SC2086 # one job id per word
    timeout 10 scancel $jobs 2>/dev/null
    for _ in $(seq 1 30); do
      [ -z "$(timeout 10 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
fi

# slurmstepd has no command line of ours to check; it inherits slurmd's environment, SLURM_CONF included.
stepds() {
  local comm pid
  for comm in /proc/[0-9]*/comm; do
    [ "$(cat "$comm" 2>/dev/null)" = slurmstepd ] || continue
    pid=${comm#/proc/}
    pid=${pid%/comm}
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF -- "SLURM_CONF=$conf" && echo "$pid"
  done
}

# The processes below `1`, deepest first (linuxproc tracking: a killed slurmstepd leaves its tasks).
descendants() {
  local stat rest child
  for stat in /proc/[0-9]*/stat; do
    rest=$(cat "$stat" 2>/dev/null) || continue
    rest=${rest##*) } # after the command name, which may hold spaces: "state ppid ..."
    read -r _ ppid _ <<<"$rest"
    [ "$ppid" = "$1" ] || continue
    child=${stat#/proc/}
    child=${child%/stat}
    descendants "$child"
    echo "$child"
  done
}

if pid=$(our_pid "$dir/slurm/slurmd.pid" "$conf"); then stop_pid "$pid"; fi
# Only when the controller could not cancel the jobs are there steps left here.
for pid in $(stepds); do
  for child in $(descendants "$pid"); do kill -9 "$child" 2>/dev/null; done
  kill -9 "$pid" 2>/dev/null
done
if pid=$(our_pid "$dir/slurm/slurmctld.pid" "$conf"); then stop_pid "$pid"; fi
if pid=$(our_pid "$dir/munge/munged.pid" "$dir/munge/"); then stop_pid "$pid"; fi
rm -f "$dir/slurm/slurmd.pid" "$dir/slurm/slurmctld.pid" "$dir/munge/munged.pid" "$dir/slurm.env"
exit 0
