# shellcheck shell=bash
# Sourced by pbs/build.sh and pbs_up.sh (after ../lib.sh).
# write_pbs_conf FILE PREFIX PBS_HOME TMPDIR START_MOM: a pbs.conf for one OpenPBS on free loopback ports,
# read by every PBS daemon and command through PBS_CONF_FILE. START_MOM=0 keeps pbs_habitat from
# creating a node.
write_pbs_conf() {
  local ports batch mom manager data comm host
  host=$(hostname -s)
  # The MoM's second port must be its first plus one.
  for _ in $(seq 1 20); do
    ports=$(free_ports 5) || return 1
    read -r batch mom manager data comm <<<"$ports"
    manager=$((mom + 1))
    listening_ports | grep -qx "$manager" || [[ " $ports " == *" $manager "* ]] || break
  done
  cat >"$1" <<EOF
PBS_EXEC=$2
PBS_HOME=$3
PBS_SERVER=$host
PBS_START_SERVER=1
PBS_START_SCHED=1
PBS_START_COMM=1
PBS_START_MOM=$5
PBS_BATCH_SERVICE_PORT=$batch
PBS_MOM_SERVICE_PORT=$mom
PBS_MANAGER_SERVICE_PORT=$manager
PBS_DATA_SERVICE_PORT=$data
PBS_COMM_NAME=$host:$comm
PBS_LEAF_ROUTERS=$host:$comm
PBS_TMPDIR=$4
EOF
  chmod 644 "$1"
}
