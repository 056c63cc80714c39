#!/usr/bin/python3
"""Engine benchmark (not a test): numpy baseline vs sluice-engine (1 process, 2 ranks) vs the limit.

Usage: bench/engine/run.py [--runs 5] [--workdir /tmp/sluice-bench] [--build build/release]
Builds nothing: run `cmake --preset release && cmake --build --preset release --target sluice-engine
bench_limit` first. Writes docs/BENCHMARKS.md (engine section) and prints the table.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASET = "/Measurement_000/Channel_000/Raw_Data"
RECIPE = {"format": "sluice-recipe", "version": 1,
          "filters": [{"type": "low_pass", "cutoff_hz": 500000.0, "roll_off": 0.05},
                      {"type": "noise_band", "freqs_hz": [1200000.0], "widths_hz": [20000.0]}],
          "noise_threshold": 0.0001}
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none")


def timed(cmd, cleanup=None):
    if cleanup and os.path.exists(cleanup):
        os.remove(cleanup)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def peak_rss_mb(cmd, cleanup):
    if os.path.exists(cleanup):
        os.remove(cleanup)
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=ENV, capture_output=True, text=True, check=True)
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return kb / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workdir", default="/tmp/sluice-bench")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--skip-rss", action="store_true")
    a = ap.parse_args()
    engine = os.path.join(a.build, "engine", "sluice-engine")
    limit = os.path.join(a.build, "bench", "bench_limit")
    os.makedirs(a.workdir, exist_ok=True)
    recipe = os.path.join(a.workdir, "recipe.json")
    recipe_nt = os.path.join(a.workdir, "recipe-nothreshold.json")
    json.dump(RECIPE, open(recipe, "w"))
    json.dump({k: v for k, v in RECIPE.items() if k != "noise_threshold"}, open(recipe_nt, "w"))
    out = os.path.join(a.workdir, "out.h5")

    def synth(rows, points=16384):
        path = os.path.join(a.workdir, f"synth-{rows}x{points}.h5")
        if not os.path.exists(path):
            subprocess.run([engine, "synth", "--output", path, "--rows", str(rows), "--points", str(points),
                            "--rate", "4000000", "--seed", "1"], check=True)
        return path

    def filt(src, rec, ranks=0):
        cmd = [engine, "filter", "--input", src, "--dataset", DATASET, "--recipe", rec, "--output", out, "--quiet"]
        return (["mpirun", "-np", str(ranks), "--oversubscribe"] + cmd) if ranks else cmd

    rows_list = [1024, 4096]
    results = {}
    for rows in rows_list:
        src = synth(rows)
        cases = {
            "numpy baseline": lambda: timed(["/usr/bin/python3", os.path.join(ROOT, "bench", "engine", "numpy_baseline.py"),
                                             src, DATASET, recipe, out], out),
            "sluice-engine, 1 process": lambda: timed(filt(src, recipe), out),
            "sluice-engine, 2 ranks": lambda: timed(filt(src, recipe, 2), out),
            "sluice-engine, 1 process, no threshold": lambda: timed(filt(src, recipe_nt), out),
            "limit (FFTW r2c+c2r + read + write)": lambda: timed([limit, src, str(rows), "16384", out + ".limit"]),
        }
        for name, fn in cases.items():
            samples = [fn() for _ in range(a.runs)]
            results[(rows, name)] = statistics.median(samples)
            print(f"{rows}x16384 {name}: median {results[(rows, name)]:.3f} s of {a.runs}", flush=True)

    rss = {}
    if not a.skip_rss:
        for rows, label in [(4096, "256 MB"), (16384, "1 GB")]:
            src = synth(rows)
            rss[label] = peak_rss_mb(filt(src, recipe), out)
            print(f"peak RSS at {label}: {rss[label]:.0f} MB", flush=True)
        os.remove(synth(16384))

    build_type = "?"
    cache = os.path.join(a.build, "CMakeCache.txt")
    if os.path.exists(cache):
        m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(\w*)", open(cache).read(), re.M)
        build_type = m.group(1) if m else "?"
    rel_build = os.path.relpath(a.build, ROOT)
    lines = ["# Benchmarks", "",
             "## Engine (`bench/engine/run.py`)", "",
             f"Command: `/usr/bin/python3 bench/engine/run.py --runs {a.runs} --build {rel_build}` "
             f"({build_type} build of `sluice-engine` and `bench_limit`).",
             "Whole-process wall times, median of " + str(a.runs) + " runs, warm page cache, this machine: "
             f"{os.cpu_count()} cores. Recipe: low_pass 500 kHz (roll-off 0.05) + noise_band 1.2 MHz/20 kHz + "
             "noise_threshold 1e-4, synth float32 rows × 16384 points at 4 MHz.", "",
             "| rows | numpy | engine 1 proc | engine 2 ranks | engine 1 proc, no threshold | limit | "
             "× numpy (1 proc) | × numpy (2 ranks) | / limit | / limit (no thr.) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for rows in rows_list:
        g = lambda n: results[(rows, n)]
        npy, e1, e2, e1n, lim = (g("numpy baseline"), g("sluice-engine, 1 process"), g("sluice-engine, 2 ranks"),
                                 g("sluice-engine, 1 process, no threshold"), g("limit (FFTW r2c+c2r + read + write)"))
        lines.append(f"| {rows} | {npy:.2f} s | {e1:.2f} s | {e2:.2f} s | {e1n:.2f} s | {lim:.2f} s | "
                     f"{npy / e1:.1f}× | {npy / e2:.1f}× | {e1 / lim:.2f} | {e1n / lim:.2f} |")
    if rss:
        lines += ["", "Peak RSS of `sluice-engine filter` (1 process, `/usr/bin/time -v`): " +
                  ", ".join(f"{k}: {v:.0f} MB" for k, v in rss.items()) + "."]
    section = "\n".join(lines) + "\n"
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    old = open(path).read() if os.path.exists(path) else ""
    rest = old.split("\n## ", 1)
    parts = ("## " + rest[1]).split("\n## ") if len(rest) > 1 else []
    others = [s for s in parts if s and not s.startswith("## Engine") and not s.startswith("Engine")]
    # The analysis under the table ("### ..." subsections) is written by hand: keep it.
    engine_old = next((s for s in parts if s.startswith("## Engine")), "")
    notes = engine_old[engine_old.index("\n### "):].rstrip("\n") + "\n" if "\n### " in engine_old else ""
    with open(path, "w") as f:
        f.write(section)
        if notes:
            f.write(notes)
        for s in others:
            f.write("\n## " + s.removeprefix("## ").rstrip("\n") + "\n")
    print(section)


if __name__ == "__main__":
    sys.exit(main())
