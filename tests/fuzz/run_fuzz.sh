#!/bin/sh
# One fixed-time libFuzzer run for ctest (label fuzz): the committed seeds are read, new inputs go to
# WORK/corpus, a crashing input to WORK/artifacts/ (add it to the seeds once fixed).
#   run_fuzz.sh TARGET SEEDS WORK SECONDS [DICT]
set -eu
target=$1 seeds=$2 work=$3 seconds=$4 dict=${5:-}
mkdir -p "$work/corpus" "$work/artifacts"
set -- -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
[ -n "$dict" ] && set -- -dict="$dict" "$@"
exec "$target" "$@"
