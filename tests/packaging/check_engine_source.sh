#!/usr/bin/env bash
# The engine's source archive (what engine deploy uploads): it holds the engine's sources and the
# bundled headers with their licences, nothing of the desktop app or the tests, and it configures as a
# cluster without nlohmann-json, CLI11 and fmt packages would (find_package of each disabled), taking
# the bundled copies; the sources that include them compile against those copies. The full build from
# the archive is test_cli_engine_deploy's.
#   check_engine_source.sh ARCHIVE WORK_DIR
set -euo pipefail
archive=$1 work=$2
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

listing=$(tar -tzf "$archive")
for f in CMakeLists.txt CMakePresets.json engine/main.cpp shared/util/shell_quote.cpp cmake/SluiceThirdParty.cmake \
  packaging/lmod/sluice-engine.lua.in third_party/include/nlohmann/json.hpp third_party/include/CLI/CLI.hpp \
  third_party/include/fmt/format-inl.h; do
  grep -qx -- "$f" <<<"$listing" || fail "the archive lacks $f"
done
for lib in nlohmann-json3-dev libcli11-dev libfmt-dev; do
  grep -qx "third_party/LICENSES/$lib.copyright" <<<"$listing" || fail "no licence for $lib"
done
if grep -qE '^(gui|tests|docs|cli)/' <<<"$listing"; then fail "the archive holds more than the engine"; fi
echo "ok  $(wc -l <<<"$listing") entries, $(($(stat -c %s "$archive") / 1024)) KiB"

# A fixed directory, so that a compiler cache finds the same paths on the next run.
rm -rf "$work"
mkdir -p "$work/src"
tar -xzf "$archive" -C "$work/src"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_ENGINE_ONLY=ON \
  -DSLUICE_BUILD_TESTS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON "${launcher[@]}" >"$work/configure.log" 2>&1 ||
  { tail -n 20 "$work/configure.log"; exit 1; }
for p in nlohmann_json CLI11 fmt; do
  grep -q -- "-- $p: the copy bundled in third_party/" "$work/configure.log" || fail "$p was not taken from third_party/"
done
cmake --build "$work/build" --target engine/CMakeFiles/sluice-engine.dir/main.cpp.o \
  shared/CMakeFiles/sluice_core.dir/recipe/recipe_json.cpp.o >"$work/build.log" 2>&1 ||
  { tail -n 30 "$work/build.log"; exit 1; }
grep -q 'third_party/include' "$work/build/compile_commands.json" || fail "the bundled headers are not on the include path"
echo "ok  configured with the bundled nlohmann-json, CLI11 and fmt; main.cpp and recipe_json.cpp compile"
exit "$status"
