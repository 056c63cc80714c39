#!/usr/bin/env bash
# Run the README's test command (`packaging/dev.sh test`, CI=true, as root) in a clean Debian 12 root
# built by debootstrap, on a clean clone of one commit: what a new machine sees, without the packages
# and files this machine has collected. Too slow for CI (a full dependency install and build).
#   packaging/fresh-test.sh [REF]     REF: commit or branch of this repository (default: HEAD)
# Needs root, debootstrap and a reachable Debian mirror. Environment:
#   SLUICE_FRESH_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   SLUICE_FRESH_CACHE   where the debootstrap base tarball is kept between runs
#                        (default /var/cache/sluice-fresh-test)
#   SLUICE_FRESH_KEEP=1  keep the root and its log (default: removed; the log is copied out first)
# Prints how long each phase took; exits with the test command's status.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ref=${1:-HEAD}
mirror=${SLUICE_FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${SLUICE_FRESH_CACHE:-/var/cache/sluice-fresh-test}
suite=bookworm
tarball="$cache/$suite-minbase-amd64.tgz"

[ "$(id -u)" -eq 0 ] || { echo "fresh-test.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "fresh-test.sh: apt-get install debootstrap" >&2; exit 1; }
commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")

work=$(mktemp -d /var/tmp/sluice-fresh.XXXXXX)
root="$work/root"
log="$work/test.log"
mounted=()
declare -A phase_seconds=()
phases=()

current_phase=
phase_start=0
phase() { # phase NAME COMMAND...: run and time one phase; a failure ends the script (set -e)
  current_phase=$1 phase_start=$SECONDS
  shift
  echo "== fresh-test: $current_phase"
  "$@"
  end_phase ok
}
end_phase() {
  [ -n "$current_phase" ] || return 0
  phase_seconds[$current_phase]="$((SECONDS - phase_start)) s $1"
  phases+=("$current_phase")
  echo "== fresh-test: $current_phase took ${phase_seconds[$current_phase]}"
  current_phase=
}

mount_in_root() { # mount_in_root TARGET MOUNT-ARGS...
  local target="$root$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
  # A bind of a shared mount would pass the root's mounts and unmounts back to the host's tree.
  case " $* " in *" --bind "* | *" --rbind "*) mount --make-rslave "$target" ;; esac
}

# Processes still running in the root (sshd, munged, slurmctld of a test killed by a time-out) are
# ours, started inside it: found by their root directory, stopped by PID.
stop_root_processes() {
  local pids=() p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  echo "fresh-test.sh: stopping processes left in the root: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  sleep 2
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

cleanup() {
  local status=$? i
  end_phase "FAILED (exit $status)"
  stop_root_processes
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" || true
  done
  if findmnt -rn -o TARGET | grep -q "^$root"; then
    echo "fresh-test.sh: mounts remain under $root; not removing it" >&2
  elif [ "${SLUICE_FRESH_KEEP:-}" = 1 ]; then
    echo "fresh-test.sh: kept $root"
  else
    [ -f "$log" ] && cp "$log" "/var/tmp/sluice-fresh-$commit.log" && echo "log: /var/tmp/sluice-fresh-$commit.log"
    rm -rf --one-file-system "$work"
  fi
  echo "== fresh-test: summary for $commit"
  for i in "${phases[@]}"; do printf '   %-8s %s\n' "$i" "${phase_seconds[$i]}"; done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

base_tarball() {
  if [ -s "$tarball" ]; then
    echo "reusing $tarball"
    return 0
  fi
  mkdir -p "$cache"
  # Downloads the packages only; each run unpacks a new root from it.
  debootstrap --variant=minbase --arch=amd64 --make-tarball="$tarball.tmp" "$suite" "$work/dl" "$mirror"
  mv "$tarball.tmp" "$tarball"
  rm -rf "$work/dl"
}

unpack_root() {
  debootstrap --variant=minbase --arch=amd64 --unpack-tarball="$tarball" "$suite" "$root" "$mirror"
  # The sources a Debian 12 machine has: the release, its updates and security.
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # A booted Debian lists its own name (the kernel's, shared with the root); PBS needs it to resolve.
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$(hostname)" >"$root/etc/hosts"
  echo sluice-fresh >"$root/etc/hostname"
}

clone_repo() {
  # A clone, not a copy: no build trees, ignored files or uncommitted changes come along.
  git clone --quiet --no-checkout "$repo" "$root/src/sluice"
  git -C "$root/src/sluice" checkout --quiet --detach "$commit"
  git -C "$root/src/sluice" log -1 --format='%h %s'
}

mount_all() {
  mount_in_root /proc -t proc proc
  mount_in_root /sys -t sysfs sysfs
  # slurmd's cgroup plugin needs the cgroup file systems a booted machine has there (v1 hierarchies are
  # mounts below it, hence recursive).
  if mountpoint -q /sys/fs/cgroup; then mount_in_root /sys/fs/cgroup --rbind /sys/fs/cgroup; fi
  mount_in_root /dev --bind /dev
  mount_in_root /dev/pts --bind /dev/pts
  # OpenMPI's shared-memory transport and sem_open need a writable /dev/shm of the root's own.
  mount_in_root /dev/shm -t tmpfs -o mode=1777,nosuid,nodev tmpfs
  mount_in_root /run -t tmpfs -o mode=0755,nosuid,nodev tmpfs
  mkdir -p "$root/run/lock"
}

run_tests() {
  local start=$SECONDS line
  # Each line stamped with the minutes:seconds since the start, so the log shows install, build and
  # ctest durations.
  chroot "$root" /usr/bin/env -i CI=true HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c 'cd /src/sluice && packaging/dev.sh test' </dev/null 2>&1 |
    while IFS= read -r line; do
      printf '[%02d:%02d] %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$line"
    done | tee "$log"
}

echo "fresh-test.sh: $commit in $root"
phase base base_tarball
phase unpack unpack_root
phase clone clone_repo
phase mount mount_all
phase test run_tests
