#!/usr/bin/env bash
# The engine under a real Slurm (tests/cluster/slurm_up.sh). One case per ctest test:
#   srun_pmix       `srun -n 2 --mpi=pmix sluice-engine filter --output` is one MPI job of two ranks and
#                   writes exactly what a plain single process writes
#   srun_without_mpi `srun -n 2 --mpi=none` is refused: exit 2, the message, no output file
# Exit 77 (ctest: skipped) when the fixture skipped on a developer machine; with CI=true that fails.
set -euo pipefail

case_name=${1:?usage: test_slurm_engine.sh CASE ENGINE SLURM_DIR WORK_DIR}
engine=${2:?}
slurm_dir=${3:?}
work=${4:?}

fail() { echo "FAIL: $*" >&2; exit 1; }

[ -f "$slurm_dir/slurm.env" ] || fail "no test Slurm: $slurm_dir/slurm.env is missing (did slurm_up.sh run?)"
skip=$(sed -n 's/^SKIP=//p' "$slurm_dir/slurm.env")
if [ -n "$skip" ]; then
  [ "${CI:-}" = "true" ] && fail "no test Slurm under CI: $skip"
  echo "SKIP: $skip"
  exit 77
fi
SLURM_CONF=$(sed -n 's/^SLURM_CONF=//p' "$slurm_dir/slurm.env")
export SLURM_CONF
[ -x "$engine" ] || fail "no engine at $engine"

rm -rf "$work"
mkdir -p "$work"
cd "$work"
dataset=/Measurement_000/Channel_000/Raw_Data
group=/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000
rows=240
points=4096
"$engine" synth --output in.h5 --rows $rows --points $points --rate 4000000 --seed 5 >/dev/null
cat >recipe.json <<'JSON'
{"format":"sluice-recipe","version":1,"filters":[{"type":"low_pass","cutoff_hz":300000.0,"roll_off":0.05},{"type":"noise_band","freqs_hz":[120000.0],"widths_hz":[8000.0]}],"noise_threshold":0.0001}
JSON
filter_args() { echo filter --input in.h5 --dataset "$dataset" --recipe recipe.json --output "$1" --block-rows 16; }

# Every srun is bounded twice: by Slurm (--time, minutes) and here, so a stuck step cannot hang ctest.
run_srun() { timeout --kill-after=10 180 srun --time=3 --nodes=1 --label "$@"; }

# The dataset's raw bytes, little-endian: attributes (timestamps) are not compared.
dump() { # file dataset out
  h5dump -d "$2" -b LE -o "$3" "$1" >/dev/null || fail "cannot read $2 from $1"
}

case "$case_name" in
  srun_pmix)
    # shellcheck disable=SC2046 # filter_args prints words without spaces
    "$engine" $(filter_args single.h5) --quiet || fail "the single-process run failed"
    rc=0
    # shellcheck disable=SC2046
    run_srun --ntasks=2 --mpi=pmix "$engine" $(filter_args ranks2.h5) >srun.out 2>srun.err || rc=$?
    cat srun.err
    [ "$rc" -eq 0 ] || fail "srun --mpi=pmix exited $rc"
    grep -q "without MPI support" srun.err && fail "the engine refused srun --mpi=pmix as srun without MPI"
    # Rank 0 alone reports progress. A task that started as a singleton (no PMIx) would be rank 0 of its
    # own world and report too, so task 1 staying silent shows that both tasks form one MPI job.
    grep -q "^0: sluice-engine: done $rows/$rows rows" srun.err || fail "task 0 did not report the finished run"
    grep -q "^1: " srun.err srun.out && fail "task 1 printed output: it was not rank 1 of a two-rank job"
    for d in Filtered_Data Noise_Floors completed_positions; do
      dump single.h5 "$group/$d" "single-$d.bin"
      dump ranks2.h5 "$group/$d" "ranks2-$d.bin"
      cmp -s "single-$d.bin" "ranks2-$d.bin" || fail "$d differs between one process and srun -n 2 --mpi=pmix"
    done
    size=$(stat -c %s single-Filtered_Data.bin)
    [ "$size" -eq $((rows * points * 4)) ] || fail "Filtered_Data holds $size bytes, not $rows x $points float32"
    echo "PASS: srun -n 2 --mpi=pmix gives Filtered_Data, Noise_Floors and completed_positions identical to one process"
    ;;
  srun_without_mpi)
    rc=0
    # shellcheck disable=SC2046
    run_srun --ntasks=2 --mpi=none "$engine" $(filter_args refused.h5) >srun.out 2>srun.err || rc=$?
    cat srun.err
    [ "$rc" -eq 2 ] || fail "srun --mpi=none exited $rc, not 2"
    for task in 0 1; do
      grep -q "^$task: sluice-engine: srun started 2 tasks without MPI support" srun.err ||
        fail "task $task did not print the refusal"
    done
    [ -e refused.h5 ] && fail "the refused run created its output file"
    echo "PASS: srun -n 2 --mpi=none is refused with exit 2 and nothing written"
    ;;
  *) fail "unknown case $case_name" ;;
esac
