#!/usr/bin/env bash
# Install the two .debs into a clean Debian 12 root (debootstrap; no build tree, no -dev packages) and
# use them as a user would: sluice-engine --version, a synthetic file filtered by two ranks under
# mpirun, sluice-cli --help and a local profile test, the man pages, and the desktop app offscreen up
# to its first paint of a pixel. Run before a release; too slow for every CI run (an apt install of
# Qt and OpenMPI into the root).
#   packaging/package-test.sh [BUILD_DIR]
# BUILD_DIR: a built tree to package (default: configure and build the release preset in
# build/release, tests off). Needs root, debootstrap and a reachable Debian mirror. Environment:
#   SLUICE_FRESH_MIRROR, SLUICE_FRESH_CACHE  as for fresh-test.sh (the base tarball is shared)
#   SLUICE_FRESH_KEEP=1                      keep the root
# Prints the packages' sizes and how long each phase took.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-}
mirror=${SLUICE_FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${SLUICE_FRESH_CACHE:-/var/cache/sluice-fresh-test}
suite=bookworm
tarball="$cache/$suite-minbase-amd64.tgz"

[ "$(id -u)" -eq 0 ] || { echo "package-test.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "package-test.sh: apt-get install debootstrap" >&2; exit 1; }

work=$(mktemp -d /var/tmp/sluice-package.XXXXXX)
root="$work/root"
mounted=()

cleanup() {
  local status=$? i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" || true
  done
  if findmnt -rn -o TARGET | grep -q "^$root"; then
    echo "package-test.sh: mounts remain under $root; not removing it" >&2
  elif [ "${SLUICE_FRESH_KEEP:-}" = 1 ]; then
    echo "package-test.sh: kept $root"
  else
    rm -rf --one-file-system "$work"
  fi
  [ "$status" -eq 0 ] && echo "== package-test: PASSED" || echo "== package-test: FAILED (exit $status)"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase_start=$SECONDS
phase() { echo "== package-test: $* (at $((SECONDS - phase_start)) s)"; }

phase "building the packages"
if [ -z "$build" ]; then
  build="$repo/build/release"
  cmake --preset release -S "$repo" -DSLUICE_BUILD_TESTS=OFF >/dev/null
  cmake --build --preset release
fi
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/debs" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
ls -l "$work"/debs/*.deb | awk '{printf "   %8.1f KiB  %s\n", $5 / 1024, $9}' | sed "s|$work/debs/||"

phase "unpacking a clean Debian 12 root"
if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  debootstrap --variant=minbase --arch=amd64 --make-tarball="$tarball.tmp" "$suite" "$work/dl" "$mirror"
  mv "$tarball.tmp" "$tarball"
fi
debootstrap --variant=minbase --arch=amd64 --unpack-tarball="$tarball" "$suite" "$root" "$mirror" >/dev/null
rm -f "$root/etc/apt/sources.list"
printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n\n' \
  "$mirror" "$suite" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg >"$root/etc/apt/sources.list.d/debian.sources"
printf 'Types: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
  "${mirror%/debian}/debian-security" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg \
  >>"$root/etc/apt/sources.list.d/debian.sources"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  case $m in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sysfs "$root/sys" ;;
    *) mount --bind "/$m" "$root/$m" && mount --make-rslave "$root/$m" ;;
  esac
  mounted+=("$root/$m")
done
mkdir -p "$root/dev/shm"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
mounted+=("$root/dev/shm")

in_root() { chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
as_user() {
  chroot --userspec=tester:tester "$root" /usr/bin/env -i HOME=/home/tester LANG=C.UTF-8 \
    PATH=/usr/bin:/bin XDG_RUNTIME_DIR=/tmp/tester-runtime bash -c "cd /home/tester && $1"
}

phase "apt install ./sluice*.deb (dependencies from the mirror)"
mkdir -p "$root/tmp/debs"
cp "$work"/debs/*.deb "$root/tmp/debs/"
in_root apt-get update -qq
# Recommends too, as a desktop install does: openmpi-bin (mpirun), openssh-client.
in_root bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/debs/*.deb >/tmp/apt.log 2>&1' ||
  { cat "$root/tmp/apt.log"; exit 1; }
in_root dpkg-query -W -f='   ${Package} ${Version} ${Installed-Size} KiB installed\n' sluice sluice-engine
echo "   root after install: $(du -sm --exclude=proc --exclude=sys --exclude=dev "$root" | cut -f1) MiB"
in_root useradd -m -s /bin/bash tester
cp "$repo/resources/recipes/demo.recipe.json" "$root/home/tester/recipe.json"
in_root chown tester:tester /home/tester/recipe.json
install -d -m 700 -o "$(in_root id -u tester)" "$root/tmp/tester-runtime"

phase "sluice-engine"
as_user 'sluice-engine --version'
as_user 'sluice-engine synth --output demo.h5 --rows 64 --points 16384 --rate 4000000 --seed 7'
as_user 'mpirun -np 2 --oversubscribe sluice-engine filter --input demo.h5 \
  --dataset /Measurement_000/Channel_000/Raw_Data --recipe recipe.json --output demo-filtered.h5'
as_user 'sluice-engine inspect demo-filtered.h5 | head -n 5'

phase "sluice-cli"
as_user 'sluice-cli --help | head -n 3 && sluice-cli profile list && sluice-cli profile test local'

phase "man pages"
in_root bash -c 'ls /usr/share/man/man1/sluice*.1.gz'
as_user 'for p in sluice sluice-cli sluice-engine; do zcat /usr/share/man/man1/$p.1.gz | grep -q "^\.SH NAME" || exit 1; done'

phase "the desktop app, offscreen, to its first paint"
as_user 'SLUICE_EXIT_AFTER_FIRST_PAINT=1 QT_QPA_PLATFORM=offscreen timeout 120 sluice demo.h5' | tee "$work/paint.log"
grep -q '^first_paint_unix_ns=' "$work/paint.log"
in_root test -f /usr/share/applications/org.sluice.Sluice.desktop
phase "done"
