#!/usr/bin/env bash
# Start a single-node Slurm on loopback under DIR (DESIGN §9): its own munged (key, socket, pid under
# DIR, not the system's), slurmctld and slurmd with DIR/slurm.conf on free loopback ports. Waits until
# the node is idle. Writes DIR/slurm.env (one KEY=value per line): SLURM_CONF, the munge socket, the
# node and partition names. Stop with slurm_down.sh DIR; every daemon is started and stopped by PID.
# Without root on a developer machine the fixture is marked skipped (slurm.env: SKIP=reason); with
# CI=true, or as root with a tool missing, it fails instead.
set -euo pipefail

dir=${1:?usage: slurm_up.sh DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# A stale run of this DIR (killed test run) is cleaned first, so slurm_up.sh is idempotent.
"$here/slurm_down.sh" "$dir" >/dev/null 2>&1 || true
rm -rf "$dir/munge" "$dir/slurm" "$dir/slurm.conf" "$dir/slurm.env"

source "$here/lib.sh"
fixture_env="$dir/slurm.env"
fixture_name="the test Slurm"

[ "$(id -u)" -eq 0 ] || skip_or_fail "the test Slurm needs root (slurmd runs jobs as their user)"
for tool in munged slurmctld slurmd sinfo srun sbatch scancel scontrol squeue; do
  command -v "$tool" >/dev/null || skip_or_fail "missing $tool (apt-get install slurm-wlm munge)"
done

umask 022
mkdir -p "$dir/munge" "$dir/slurm/state" "$dir/slurm/spool" "$dir/slurm/log"
# munged refuses keys and sockets in directories others may write to; others may pass through, since
# every user who runs sbatch (the sshd fixture's test user too) talks to the socket.
chmod 711 "$dir/munge"
head -c 1024 /dev/urandom >"$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
munged --force --key-file="$dir/munge/munge.key" --socket="$socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" </dev/null >/dev/null 2>&1 ||
  { cat "$dir/munge/munged.log" >&2 2>/dev/null; echo "slurm_up.sh: munged did not start" >&2; exit 1; }
for _ in $(seq 1 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "slurm_up.sh: munged made no socket; see $dir/munge/munged.log" >&2; exit 1; }

ports=$(free_ports 2)
read -r ctld_port slurmd_port <<<"$ports"

# `slurmd -C` describes this machine (NodeName=<short hostname> CPUs=… RealMemory=…); its UpTime line is
# not configuration. The controller runs here too, under the same short host name.
node_line=$(slurmd -C | grep '^NodeName=')
node=$(sed 's/^NodeName=\([^ ]*\).*/\1/' <<<"$node_line")
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node_line")
if [ "${cpus:-0}" -lt 2 ]; then
  # Two-task tests need two CPUs; on a one-CPU machine the node claims two (config_overrides below).
  memory=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")
  node_line="NodeName=$node CPUs=2 RealMemory=${memory:-1000}"
fi
s="$dir/slurm"
cat >"$dir/slurm.conf" <<EOF
# sluice test Slurm (tests/cluster/slurm_up.sh); everything it writes lives under $dir
ClusterName=sluicetest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/log/slurmctld.log
SlurmdLogFile=$s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$s/jobcomp.txt
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=2
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"

# Both daemons fork into the background and write their PID files; their output goes to their logs.
slurmctld -c -f "$SLURM_CONF" </dev/null >>"$s/log/slurmctld.out" 2>&1 ||
  { tail -20 "$s/log/slurmctld.log" >&2; echo "slurm_up.sh: slurmctld did not start" >&2; exit 1; }
slurmd -f "$SLURM_CONF" -N "$node" </dev/null >>"$s/log/slurmd.out" 2>&1 ||
  { tail -20 "$s/log/slurmd.log" >&2; echo "slurm_up.sh: slurmd did not start" >&2; exit 1; }

state=""
for _ in $(seq 1 120); do
  state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  sleep 0.5
done
if [ "$state" != "idle" ]; then
  echo "slurm_up.sh: node $node is '${state:-unreachable}', not idle, after 60 s" >&2
  tail -20 "$s/log/slurmctld.log" "$s/log/slurmd.log" >&2 || true
  exit 1
fi

cat >"$dir/slurm.env" <<EOF
SLURM_CONF=$SLURM_CONF
MUNGE_SOCKET=$socket
SLURM_NODE=$node
SLURM_PARTITION=test
SLURM_JOBCOMP=$s/jobcomp.txt
EOF
echo "slurm_up.sh: Slurm on 127.0.0.1:$ctld_port (slurmctld) and :$slurmd_port (slurmd), node $node idle"
