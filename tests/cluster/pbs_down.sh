#!/usr/bin/env bash
# Stop what pbs_up.sh DIR started, by PID: jobs left are deleted, the server stops its data store
# (qterm), then the MoM (and the jobs it still runs), the scheduler and pbs_comm; the qsub helpers that
# clients leave behind for a minute (and their sockets) and a PostgreSQL that outlived the server go
# too. Safe to run twice and after a partial pbs_up.sh.
set -uo pipefail

dir=${1:?usage: pbs_down.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
conf="$dir/pbs.conf"
home="$dir/home"
[ -f "$conf" ] || exit 0
prefix=$(sed -n 's/^PBS_EXEC=//p' "$conf")
export PBS_CONF_FILE="$conf"

# The processes of this DIR's PBS, found by their environment: the daemons and clients name its
# pbs.conf, the jobs' processes their node file in its PBS_HOME.
ours() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    tr "\0" "\n" 2>/dev/null <"$environ" |
      grep -qF -e "PBS_CONF_FILE=$conf" -e "PBS_NODEFILE=$home/aux/" && echo "$pid"
  done
}

# The pid in a daemon's lock file if that process is still one of ours.
locked_pid() { # lockfile
  local pid
  pid=$(head -n 1 "$1" 2>/dev/null | tr -cd '0-9')
  [ -n "$pid" ] && ours | grep -qx "$pid" && echo "$pid"
}

stop_pid() { # pid
  kill "$1" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
}

server=$(locked_pid "$home/server_priv/server.lock")
if [ -n "$server" ] && [ -x "$prefix/bin/qstat" ]; then
  jobs=$(timeout 10 "$prefix/bin/qselect" 2>/dev/null)
  # shellcheck disable=SC2086 # one job id per word
  [ -z "$jobs" ] || timeout 20 "$prefix/bin/qdel" -W force $jobs >/dev/null 2>&1
  timeout 30 "$prefix/bin/qterm" -t quick >/dev/null 2>&1
  for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
fi
[ -z "$server" ] || stop_pid "$server"
for lock in mom_priv/mom.lock sched_priv/sched.lock server_priv/comm.lock; do
  if pid=$(locked_pid "$home/$lock"); then stop_pid "$pid"; fi
done
# Whatever is left: job processes of a killed MoM, qsub helpers.
for pid in $(ours); do kill -9 "$pid" 2>/dev/null; done
# The data store runs as postgres from DIR's PBS_HOME; qterm normally stops it.
if [ -f "$home/datastore/postmaster.pid" ]; then
  pid=$(head -n 1 "$home/datastore/postmaster.pid" | tr -cd '0-9')
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$home/datastore"; then
    stop_pid "$pid"
  fi
fi
# qsub's helper sockets stay in /var/tmp (qsub picks the directory before it reads pbs.conf), named after
# the pbs.conf path with '/', ' ' and '.' made '_', cut to 32 characters.
rm -f /var/tmp/pbs_*_"$(printf '%s' "$conf" | tr '/ .' '___' | cut -c1-32)"*
rm -f "$dir/env"
exit 0
