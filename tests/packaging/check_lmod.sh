#!/usr/bin/env bash
# The Lmod modulefile works with Debian's Lmod: the engine installed under a prefix (cmake --install of
# the engine component), the modulefile written for that prefix, then `module load sluice-engine` puts
# that engine first on PATH and its page on MANPATH, and `module unload` takes both away again.
#   check_lmod.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$1 source=$2 version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/opt/sluice engine/$version" # a space: the prefix must survive as one path
cmake --install "$build" --component engine --prefix "$prefix" >/dev/null
cmake -DPREFIX="$prefix" -DVERSION="$version" -DOUTPUT="$work/modules/sluice-engine/$version.lua" \
  -P "$source/packaging/lmod/modulefile.cmake" >/dev/null

# A login shell's Lmod, as /etc/profile.d/lmod.sh sets it up.
init=/usr/share/lmod/lmod/init/bash
[ -r "$init" ] || { echo "Lmod is not installed (apt-get install lmod)" >&2; exit 1; }
export work prefix version
env -i HOME="$HOME" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 work="$work" prefix="$prefix" version="$version" \
  bash --norc --noprofile -c '
  set -euo pipefail
  source '"$init"'
  module use "$work/modules"
  module --terse avail sluice-engine 2>&1 | grep -qx "sluice-engine/$version" || { echo "FAIL: not in module avail"; exit 1; }
  ! command -v sluice-engine >/dev/null || { echo "FAIL: sluice-engine on PATH before the load"; exit 1; }
  module load sluice-engine
  [ "$(command -v sluice-engine)" = "$prefix/bin/sluice-engine" ] || { echo "FAIL: PATH after load: $PATH"; exit 1; }
  sluice-engine --version | grep -qx "sluice-engine $version" || { echo "FAIL: --version"; exit 1; }
  [ "$(man -w sluice-engine)" = "$prefix/share/man/man1/sluice-engine.1.gz" ] || { echo "FAIL: MANPATH"; exit 1; }
  [ "$SLUICE_ENGINE_ROOT" = "$prefix" ] || { echo "FAIL: SLUICE_ENGINE_ROOT"; exit 1; }
  module unload sluice-engine
  ! command -v sluice-engine >/dev/null || { echo "FAIL: still on PATH after unload"; exit 1; }
  echo "ok  module load sluice-engine: $prefix/bin/sluice-engine; unload removes it"
'
