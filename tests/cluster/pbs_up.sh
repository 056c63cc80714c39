#!/usr/bin/env bash
# Start a one-node OpenPBS on loopback under DIR (DESIGN §9): pbs_comm, pbs_mom, pbs_sched and
# pbs_server (with its PostgreSQL data store) on free loopback ports, reading DIR/pbs.conf, with a clean
# PBS_HOME in DIR/home copied from the build's template. OpenPBS is built once per source by
# tests/cluster/pbs/build.sh into a cache outside the build tree. Waits until the node is free, with job
# history on (qstat -x). Writes DIR/env (one KEY=value per line): PBS_CONF_FILE, PBS_EXEC, the server,
# queue and node. Stop with pbs_down.sh DIR; every daemon is stopped by PID.
# Without root on a developer machine the fixture is marked skipped (env: SKIP=reason); with CI=true,
# or as root with something missing, it fails instead.
set -euo pipefail

dir=${1:?usage: pbs_up.sh DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# A stale run of this DIR (killed test run) is cleaned first, so pbs_up.sh is idempotent.
"$here/pbs_down.sh" "$dir" >/dev/null 2>&1 || true
rm -rf "$dir/home" "$dir/tmp" "$dir/pbs.conf" "$dir/env"

source "$here/lib.sh"
fixture_env="$dir/env"
fixture_name="the test PBS"

[ "$(id -u)" -eq 0 ] || skip_or_fail "the test PBS needs root (its daemons refuse to run as a user)"
getent passwd postgres >/dev/null || skip_or_fail "no postgres user (apt-get install postgresql)"
host=$(hostname -s)
getent hosts "$host" >/dev/null || skip_or_fail "the host name $host does not resolve (PBS needs it)"

prefix=$(bash "$here/pbs/build.sh") || skip_or_fail "OpenPBS could not be built (see above)"

# The data store belongs to postgres, which must reach it through DIR's parents.
umask 022
cp -a "$prefix/home-template" "$dir/home"
chmod 755 "$dir"
su -s /bin/sh postgres -c "test -r '$dir/home/datastore/PG_VERSION'" ||
  skip_or_fail "the postgres user cannot reach $dir (a parent directory is closed to others)"

# Jobs' TMPDIRs in DIR, not in /var/tmp (job ids repeat across test runs).
mkdir -p "$dir/tmp"
chmod 1777 "$dir/tmp"
# Limits (walltime) checked every 1–2 s rather than every 10–120 s: a test sees a job killed at its
# walltime without waiting minutes.
cat >"$dir/home/mom_priv/config" <<EOF
\$clienthost $host
\$min_check_poll 1
\$max_check_poll 2
\$tmpdir $dir/tmp
EOF

log="$dir/home/fixture.log"
fail() {
  echo "pbs_up.sh: $1" >&2
  tail -n 20 "$log" "$dir"/home/*_logs/* 2>/dev/null >&2 || true
  exit 1
}

conf="$dir/pbs.conf"
source "$here/pbs/conf.sh"
write_pbs_conf "$conf" "$prefix" "$dir/home" "$dir/tmp" 1 || fail "found no free ports"
export PBS_CONF_FILE="$conf"

# Each daemon forks into the background and records its pid in its lock file (pbs_down.sh reads them).
for daemon in pbs_comm pbs_mom pbs_sched pbs_server; do
  "$prefix/sbin/$daemon" </dev/null >>"$log" 2>&1 || fail "$daemon did not start"
done

qmgr() { "$prefix/bin/qmgr" -c "$1" >>"$log" 2>&1; }
for _ in $(seq 1 100); do qmgr "list server" && break; sleep 0.2; done
qmgr "create node $host" || fail "the server did not answer, or refused the node"
# Finished jobs stay visible to qstat -x, as on most sites; Sluice also copes without (tests switch it).
qmgr "set server job_history_enable = True" || fail "qmgr could not enable job history"
# One user name is one user on every host of this one-node cluster. Without it the server compares the
# submit host's name with its own letter for letter and refuses ("Bad UID for job execution") when the two
# are spelled differently, as seen in packaging/fresh-test.sh's debootstrap root.
qmgr "set server flatuid = True" || fail "qmgr could not set flatuid"

state=""
for _ in $(seq 1 120); do
  state=$("$prefix/bin/pbsnodes" -v "$host" 2>/dev/null | sed -n 's/^ *state = //p' || true)
  [ "$state" = "free" ] && break
  sleep 0.5
done
[ "$state" = "free" ] || fail "node $host is '${state:-unknown}', not free, after 60 s"

cat >"$dir/env" <<EOF
PBS_CONF_FILE=$conf
PBS_EXEC=$prefix
PBS_HOME=$dir/home
PBS_SERVER=$host
PBS_QUEUE=workq
PBS_NODE=$host
EOF
port() { sed -n "s/^$1=//p" "$conf"; }
echo "pbs_up.sh: OpenPBS on $host:$(port PBS_BATCH_SERVICE_PORT) (server), :$(port PBS_MOM_SERVICE_PORT)" \
  "(MoM), $(port PBS_COMM_NAME) (comm), node $host free"
