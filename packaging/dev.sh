#!/usr/bin/env bash
# Sluice developer entry point (DESIGN §9). Idempotent; works as root or as a user with sudo.
#   packaging/dev.sh demo   install deps, build, make demo data, launch the app on it
#   packaging/dev.sh test   install deps, build, run every test label (unit, mpi, integration, gui, packaging),
#                           then the engine alone as a cluster builds it (preset engine, no Qt) with its
#                           Qt-free tests, then the fuzz preset (clang) and its fixed-time fuzz runs (label fuzz)
#   packaging/dev.sh format-check   the C++ sources are formatted as .clang-format says (run by test)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${SLUICE_PRESET:-ci}
build="$root/build/$preset"

packages=(
  build-essential cmake ninja-build pkg-config git
  libhdf5-openmpi-dev hdf5-tools openmpi-bin libopenmpi-dev libfftw3-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libssl-dev libsqlite3-dev libssh-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev qtkeychain-qt6-dev
  xvfb xauth python3-h5py python3-numpy dbus-daemon
  # test_gui_keychain: a real Secret Service (gnome-keyring-daemon) on a bus of dbus-run-session (package dbus-daemon).
  gnome-keyring
  # Man pages from --help; the checks of the .debs, desktop entry, metainfo and modulefile (label packaging).
  help2man file desktop-file-utils appstream lmod man-db
  # Formatting is checked with one clang-format version: another formats some constructs differently.
  clang-format-14
  openssh-server openssh-client openssl libpam-oath oathtool tcsh
  # bench/transfer/run.py --rtt-ms compares against rsync over ssh.
  rsync
  slurm-wlm munge libpmix-dev
  # The test OpenPBS (tests/cluster/pbs): built from source by the integration tests, never shipped.
  autoconf automake libtool libedit-dev libical-dev libcjson-dev libhwloc-dev libexpat1-dev tcl-dev tk-dev libxt-dev
  swig python3-dev postgresql postgresql-server-dev-all
  # The fuzz preset (tests/fuzz): clang with libFuzzer, and llvm-symbolizer for its reports.
  clang-16 libclang-rt-16-dev llvm-16
)

usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "dev.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "dev.sh: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build_all() {
  cmake --preset "$preset" -S "$root" >/dev/null
  cmake --build --preset "$preset"
}

# The engine as a cluster builds it: no Qt, libssh or SQLite, and the tests that need none (tests/core).
build_engine_only() {
  cmake --preset engine -S "$root" >/dev/null
  cmake --build --preset engine
}

# libFuzzer targets only (tests/fuzz, docs/FUZZING.md): their own clang build tree, build/fuzz.
build_fuzz() {
  cmake --preset fuzz -S "$root" >/dev/null
  cmake --build --preset fuzz
}

# Every C++ file but gui/forbidden_headers (stand-ins that must stay as they are).
format_check() {
  (cd "$root" && git ls-files '*.cpp' '*.hpp' '*.h' | grep -v '^gui/forbidden_headers/' |
    xargs clang-format-14 --dry-run -Werror) ||
    { echo "dev.sh: files above are not formatted; run clang-format-14 -i on them" >&2; return 1; }
}

demo_data() {
  local dir="$root/build/demo"
  mkdir -p "$dir"
  if [ ! -f "$dir/demo.h5" ]; then
    "$build/engine/sluice-engine" synth --output "$dir/demo.h5" --rows 64 --points 16384 --rate 4000000 --seed 7
  fi
  cp -n "$root/resources/recipes/demo.recipe.json" "$dir/demo.recipe.json" 2>/dev/null || true
  echo "$dir/demo.h5"
}

cmd=${1:-}
case "$cmd" in
  test)
    install_deps
    status=0
    format_check || status=$?
    build_all
    (cd "$build" && ctest --output-on-failure --timeout 900 -j2) || status=$?
    build_engine_only
    (cd "$root" && ctest --preset engine) || status=$?
    build_fuzz
    (cd "$root/build/fuzz" && ctest --output-on-failure -L fuzz -j2) || status=$?
    exit "$status"
    ;;
  format-check)
    install_deps
    format_check
    ;;
  demo)
    install_deps
    build_all
    data=$(demo_data)
    if [ -x "$build/gui/sluice" ]; then
      exec "$build/gui/sluice" "$data"
    fi
    out="${data%.h5}-filtered.h5"
    rm -f "$out"
    "$build/engine/sluice-engine" filter --input "$data" --dataset /Measurement_000/Channel_000/Raw_Data \
      --recipe "$root/build/demo/demo.recipe.json" --output "$out"
    echo "Filtered demo data written to $out"
    echo "Look inside with: $build/engine/sluice-engine inspect $out"
    ;;
  *) usage ;;
esac
