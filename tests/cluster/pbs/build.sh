#!/usr/bin/env bash
# Build the test OpenPBS once and print its prefix (tests/cluster/pbs/README.md). The prefix is
# CACHE/openpbs-<key>, the key a hash of the source, the patch and the code of the recipe's functions
# (`declare -f`: comments and the rest of the scripts do not count): outside any build tree, so
# every build tree and every fresh clone on this machine shares it. The prefix is compiled into PBS, so
# the cache is only ever used at that path. Also made once, in PREFIX/home-template: a fresh PBS_HOME
# (the data store initialised, queue workq) that pbs_up.sh copies for each run.
# Needs root (the data store is initialised as the postgres user) and dev.sh's PBS build packages.
#   build.sh [CACHE]   (default $SLUICE_PBS_CACHE, else /var/cache/sluice-test)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:-${SLUICE_PBS_CACHE:-/var/cache/sluice-test}}
tarball="$here/openpbs-cd7ab5eda.tar.xz"
patch="$here/openpbs-loopback.patch"
log() { echo "pbs/build.sh: $*" >&2; }

build_and_install() { # source-dir prefix
  cd "$1"
  patch -p1 <"$patch"
  ./autogen.sh
  # PYTHON=: configure may find another interpreter first and link the server against its libpython.
  # --disable-security: otherwise the daemons refuse a PBS_HOME below a world-writable directory.
  ./configure --prefix="$2" --with-pbs-server-home="$2/spool" --with-pbs-conf-file="$2/etc/pbs.conf" \
    --disable-security PYTHON=/usr/bin/python3
  make -j2
  # Without these two directories make install writes into /etc/profile.d and /lib/systemd.
  make install sysprofiledir="$2/etc/profile.d" unitfiledir="$2/lib/systemd"
  # make install leaves them without the setuid bit; a user's qsub then cannot authenticate.
  chmod 4755 "$2/sbin/pbs_iff" "$2/sbin/pbs_rcp"
}

make_template() { # prefix
  # pbs_habitat starts the data store and the server on the ports of this pbs.conf (free ones, so that a
  # running test PBS is not disturbed), creates queue workq and stops them. No node: pbs_up.sh creates
  # it with the run's MoM port. Only pbs_up.sh's own pbs.conf is used after this.
  write_pbs_conf "$1/etc/pbs.conf" "$1" "$1/home-template" /tmp 0
  PBS_CONF_FILE="$1/etc/pbs.conf" "$1/libexec/pbs_habitat"
  # Copies of the system's PostgreSQL for upgrades: not needed here.
  rm -rf "$1/home-template/pgsql.forupgrade" "$1/etc/pbs.conf"
}

source "$here/../lib.sh"
source "$here/conf.sh"
key=$(cat "$tarball" "$patch" <(declare -f build_and_install make_template write_pbs_conf) | sha256sum |
  cut -c1-16)
prefix="$cache/openpbs-$key"

mkdir -p "$cache"
# Two build trees starting their fixtures at once: the second waits for the first one's build.
exec 9>"$prefix.lock"
flock 9
if [ -f "$prefix/.complete" ]; then
  echo "$prefix"
  exit 0
fi

for tool in autoconf automake libtoolize swig pg_config; do
  command -v "$tool" >/dev/null || { log "missing $tool (packaging/dev.sh installs the PBS build packages)"; exit 1; }
done
rm -rf "$prefix"
work=$(mktemp -d "$cache/openpbs-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed() {
  tail -40 "$work/build.log" >&2 || true
  log "$1"
  rm -rf "$prefix"
  exit 1
}

start=$SECONDS
log "building OpenPBS into $prefix (once per source)"
tar -xJf "$tarball" -C "$work"
(build_and_install "$work/openpbs-cd7ab5eda" "$prefix") >"$work/build.log" 2>&1 || failed "the OpenPBS build failed"
log "built in $((SECONDS - start)) s"
(make_template "$prefix") >>"$work/build.log" 2>&1 || failed "pbs_habitat could not make the template PBS_HOME"
touch "$prefix/.complete"
log "template PBS_HOME made; $((SECONDS - start)) s in all, $(du -sh "$prefix" | cut -f1) installed"
echo "$prefix"
