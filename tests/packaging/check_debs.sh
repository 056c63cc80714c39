#!/usr/bin/env bash
# Build the .debs of a configured and built tree with cpack (into a scratch directory) and inspect
# them with dpkg-deb: names, version, dependencies (dpkg-shlibdeps' and ours), the files each ships,
# stripped binaries, and the desktop entry and metainfo as installed.
#   check_debs.sh BUILD_DIR VERSION APP_ID
set -euo pipefail
build=$1 version=$2 app_id=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

start=$SECONDS
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
echo "cpack: $((SECONDS - start)) s"
engine=$(ls "$work"/out/sluice-engine_"$version"_*.deb)
desktop=$(ls "$work"/out/sluice_"$version"_*.deb)
ls -l "$work"/out/*.deb | awk '{print $5, $9}' | sed "s|$work/out/||"

field() { dpkg-deb -f "$1" "$2"; }
has_dep() { # has_dep DEB FIELD REGEX
  field "$1" "$2" | tr ',' '\n' | sed 's/^ *//' | grep -qE "$3" || fail "$(basename "$1"): $2 lacks $3"
}
has_file() { dpkg-deb -c "$1" | awk '{print $6}' | grep -qxF "./$2" || fail "$(basename "$1") lacks /$2"; }

[ "$(field "$engine" Package)" = sluice-engine ] || fail "engine package name"
[ "$(field "$desktop" Package)" = sluice ] || fail "desktop package name"
[ "$(field "$engine" Version)" = "$version" ] || fail "engine version"

# dpkg-shlibdeps found the libraries the binaries link.
for lib in 'libhdf5-openmpi-103-1' 'libopenmpi3' 'libfftw3-double3' 'libc6 '; do has_dep "$engine" Depends "^$lib"; done
for lib in 'libqt6widgets6' 'libssh-4' 'libsqlite3-0' 'libqcustomplot2.1-qt6'; do has_dep "$desktop" Depends "^$lib"; done
has_dep "$desktop" Depends "^sluice-engine \(= $version\)"
has_dep "$engine" Recommends "^openmpi-bin"
# The engine is what goes onto clusters: no GUI or client library may creep into it.
if field "$engine" Depends | grep -qE 'qt6|libssh|sqlite'; then fail "sluice-engine depends on a client library"; fi

has_file "$engine" usr/bin/sluice-engine
has_file "$engine" usr/share/man/man1/sluice-engine.1.gz
for f in usr/bin/sluice usr/bin/sluice-cli usr/share/man/man1/sluice.1.gz usr/share/man/man1/sluice-cli.1.gz \
  "usr/share/applications/$app_id.desktop" "usr/share/metainfo/$app_id.metainfo.xml" \
  "usr/share/icons/hicolor/scalable/apps/$app_id.svg"; do
  has_file "$desktop" "$f"
done
# What engine deploy uploads, and what Help → User Guide shows.
has_file "$desktop" "usr/share/sluice/sluice-engine-$version-source.tar.gz"
for f in USER_GUIDE.md ADMIN.md CLUSTER.md FILTER_SPEC.md images/main-window.png; do has_file "$desktop" "usr/share/sluice/doc/$f"; done
for size in 16 24 32 48 64 128 256 512; do has_file "$desktop" "usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png"; done
if dpkg-deb -c "$desktop" | grep -q 'usr/bin/sluice-engine'; then fail "sluice ships the engine too"; fi

mkdir "$work/x"
dpkg-deb -x "$desktop" "$work/x"
dpkg-deb -x "$engine" "$work/x"
for b in sluice sluice-cli sluice-engine; do
  file "$work/x/usr/bin/$b" | grep -q 'not stripped' && fail "$b is not stripped"
done
desktop-file-validate "$work/x/usr/share/applications/$app_id.desktop" || fail "installed desktop entry"
grep -q '^MimeType=.*application/x-hdf;' "$work/x/usr/share/applications/$app_id.desktop" ||
  fail "the desktop entry does not open .h5 files (application/x-hdf)"
appstreamcli validate --no-net "$work/x/usr/share/metainfo/$app_id.metainfo.xml" >/dev/null || fail "installed metainfo"
"$work/x/usr/bin/sluice-engine" --version | grep -qx "sluice-engine $version" || fail "packaged engine --version"

echo "sluice-engine: Depends: $(field "$engine" Depends)"
echo "sluice: Depends: $(field "$desktop" Depends)"
exit "$status"
