#!/usr/bin/python3
"""Engine benchmark (not a test): numpy baseline vs sluice-engine (1 process, 2 ranks) vs the limit, with
the engine's own --stats breakdown of where the time goes.

Usage: bench/engine/run.py [--runs 3] [--workdir /tmp/sluice-bench] [--build build/release] [--sizes 4096,16384]
Builds nothing: run `cmake --preset release && cmake --build --preset release --target sluice-engine
bench_limit` first. Writes docs/BENCHMARKS.md (engine section, keeping its hand-written "###" notes) and
prints the tables.
"""
import argparse
import json
import os
import re
import resource
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
PHASES = ["startup_process", "startup_mpi", "startup_prepare", "startup_open", "read", "compute", "write",
          "checkpoint", "collectives", "progress", "finish"]


def load():
    return os.getloadavg()[0]


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, cleanup=None, stats=None):
    """Wall seconds of one run, its CPU seconds (user + system, every process it started) and its --stats
    document when asked for."""
    for f in (cleanup, stats):
        if f and os.path.exists(f):
            os.remove(f)
    c0 = cpu_of_children()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    return wall, cpu_of_children() - c0, (json.load(open(stats)) if stats else None)


def peak_rss_mb(cmd, cleanup):
    if os.path.exists(cleanup):
        os.remove(cleanup)
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=ENV, capture_output=True, text=True, check=True)
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return kb / 1024


def phase_row(label, doc):
    """One table row: the run's wall time and each phase, averaged over ranks."""
    ranks = doc["ranks"]
    k = len(ranks)
    avg = lambda f: sum(f(r) for r in ranks) / k
    cells = [f"{avg(lambda r: r['wall_s']):.2f}"]
    startup = avg(lambda r: sum(r["phases_s"][p] for p in PHASES if p.startswith("startup")))
    cells.append(f"{startup:.2f}")
    for p in ["read", "compute", "write", "checkpoint", "collectives", "finish"]:
        cells.append(f"{avg(lambda r: r['phases_s'][p]):.2f}")
    c = lambda p: avg(lambda r: r["compute_s"][p])
    cells += [f"{c('convert'):.2f}", f"{c('fft_mask'):.2f}", f"{c('noise_floor'):.2f}",
              f"{100 * doc['total']['idle_fraction']:.0f} %", "yes" if ranks[0]["overlapped"] else "no"]
    return f"| {label} | " + " | ".join(cells) + " |"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default="/tmp/sluice-bench")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--sizes", default="4096,16384", help="row counts (16384 points each)")
    ap.add_argument("--numpy-max-rows", type=int, default=4096, help="skip the numpy baseline above this")
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    a = ap.parse_args()
    engine = os.path.join(a.build, "engine", "sluice-engine")
    limit = os.path.join(a.build, "bench", "bench_limit")
    os.makedirs(a.workdir, exist_ok=True)
    recipe = os.path.join(a.workdir, "recipe.json")
    recipe_nt = os.path.join(a.workdir, "recipe-nothreshold.json")
    json.dump(RECIPE, open(recipe, "w"))
    json.dump({k: v for k, v in RECIPE.items() if k != "noise_threshold"}, open(recipe_nt, "w"))
    out = os.path.join(a.workdir, "out.h5")
    stats = os.path.join(a.workdir, "stats.json")
    load_before = load()

    def synth(rows, points=16384):
        path = os.path.join(a.workdir, f"synth-{rows}x{points}.h5")
        if not os.path.exists(path):
            subprocess.run([engine, "synth", "--output", path, "--rows", str(rows), "--points", str(points),
                            "--rate", "4000000", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
        return path

    def filt(src, rec, ranks=0, *extra):
        cmd = [engine, "filter", "--input", src, "--dataset", DATASET, "--recipe", rec, "--output", out, "--quiet",
               "--stats", stats, *extra]
        return (["mpirun", "-np", str(ranks)] + cmd) if ranks else cmd

    sizes = [int(s) for s in a.sizes.split(",")]
    results, best, cpu, breakdown = {}, {}, {}, {}
    for rows in sizes:
        src = synth(rows)
        cases = {}
        if rows <= a.numpy_max_rows:
            cases["numpy"] = lambda: timed(["/usr/bin/python3", os.path.join(ROOT, "bench", "engine", "numpy_baseline.py"),
                                            src, DATASET, recipe, out], out)
        cases.update({
            "1 proc": lambda: timed(filt(src, recipe), out, stats),
            "1 proc, no threshold": lambda: timed(filt(src, recipe_nt), out, stats),
            "1 proc, no overlap": lambda: timed(filt(src, recipe, 0, "--overlap", "off"), out, stats),
            "2 ranks": lambda: timed(filt(src, recipe, 2), out, stats),
            "2 ranks, collective": lambda: timed(filt(src, recipe, 2, "--write-mode", "collective"), out, stats),
            "2 ranks, no overlap": lambda: timed(filt(src, recipe, 2, "--overlap", "off"), out, stats),
            "limit": lambda: timed([limit, src, str(rows), "16384", out + ".limit"]),
        })
        # Rounds rather than case after case: every case sees the same mix of conditions.
        samples = {name: [] for name in cases}
        for _ in range(a.runs):
            for name, fn in cases.items():
                samples[name].append(fn())
        for name, s in samples.items():
            walls = [w for w, _, _ in s]
            med = statistics.median(walls)
            results[(rows, name)] = med
            best[(rows, name)] = min(walls)
            cpu[(rows, name)] = statistics.median([c for _, c, _ in s])
            doc = next(d for w, _, d in s if w == med)
            if doc:
                breakdown[(rows, name)] = doc
            print(f"{rows}x16384 {name}: median {med:.3f} s of {a.runs} ({', '.join(f'{w:.2f}' for w in walls)})",
                  flush=True)

    # Start-up: 2 ranks on a 16-row file.
    tiny = synth(16)
    tiny_walls, tiny_doc = [], None
    for _ in range(max(a.runs, 3)):
        w, _, d = timed(filt(tiny, recipe, 2), out, stats)
        tiny_walls.append(w)
        tiny_doc = d
    tiny_wall = statistics.median(tiny_walls)
    print(f"16x16384 2 ranks: median {tiny_wall:.3f} s", flush=True)

    rss = {}
    if not a.skip_rss:
        for rows, label in [(4096, "256 MB"), (16384, "1 GB")]:
            rss[label] = peak_rss_mb(filt(synth(rows), recipe), out)
            print(f"peak RSS at {label}: {rss[label]:.0f} MB", flush=True)
    load_after = load()

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
             f"Whole-process wall times, median of {a.runs} runs taken in rounds, warm page cache, this machine: "
             f"{os.cpu_count()} cores, 1-minute load average {load_before:.1f} before and {load_after:.1f} after. "
             "Recipe: low_pass 500 kHz (roll-off 0.05) + noise_band 1.2 MHz/20 kHz + noise_threshold 1e-4, synth "
             "float32 rows × 16384 points at 4 MHz. The limit (`bench_limit`) is a sequential read of the input, "
             "FFTW r2c + c2r of every row in memory, and a write + fsync of the output's bytes, one after another, "
             "in the same run. \"no overlap\" is `--overlap off` (reading, computing and writing in turn). Each cell is "
             "the median, with the best run in brackets (on a shared machine the best run is the least disturbed).", "",
             "| rows | numpy | 1 proc | 1 proc, no overlap | 2 ranks | 2 ranks, collective | 1 proc, no threshold | limit "
             "| / limit | / limit (no thr.) | 2 ranks vs 1 proc | 2 ranks vs no overlap | × numpy |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    cpu_cases = ["1 proc", "1 proc, no overlap", "2 ranks", "1 proc, no threshold", "limit"]
    cpu_lines = ["", "CPU time (user + system of every process of the run, median; less sensitive to other load than "
                 "wall time, blind to waiting for the disk):", "",
                 "| rows | " + " | ".join(cpu_cases) + " | no overlap / limit | no threshold / limit |",
                 "|---|" + "---|" * (len(cpu_cases) + 2)]
    for rows in sizes:
        g = lambda n: results.get((rows, n))
        b = lambda n: best.get((rows, n))
        cell = lambda n: f"{g(n):.2f} s ({b(n):.2f})" if g(n) else "–"
        ratio = lambda x, y: f"{g(x) / g(y):.2f} ({b(x) / b(y):.2f})"
        cpu_lines.append(f"| {rows} | " + " | ".join(f"{cpu[(rows, n)]:.2f} s" if (rows, n) in cpu else "–" for n in cpu_cases)
                         + f" | {cpu[(rows, '1 proc, no overlap')] / cpu[(rows, 'limit')]:.2f} | "
                         f"{cpu[(rows, '1 proc, no threshold')] / cpu[(rows, 'limit')]:.2f} |")
        lines.append(f"| {rows} | {cell('numpy')} | {cell('1 proc')} | {cell('1 proc, no overlap')} | {cell('2 ranks')} | "
                     f"{cell('2 ranks, collective')} | {cell('1 proc, no threshold')} | {cell('limit')} | "
                     f"{ratio('1 proc', 'limit')} | {ratio('1 proc, no threshold', 'limit')} | "
                     f"{ratio('1 proc', '2 ranks')}× | {ratio('1 proc, no overlap', '2 ranks')}× | "
                     f"{ratio('numpy', '1 proc') + '×' if g('numpy') else '–'} |")
    lines += cpu_lines
    lines += ["", "Where the time goes (`--stats` of the median run; seconds, averaged over ranks; phases add up to "
              "the rank's wall time, which starts at exec; convert, FFT/mask and noise floor are the compute "
              "thread's time, which overlaps read and write when overlapped):", "",
              "| run | wall | start-up | read | compute | write | checkpoint | collectives | finish | convert "
              "| FFT/mask | noise floor | idle | overlapped |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for rows in sizes:
        for name in ["1 proc", "1 proc, no overlap", "2 ranks", "2 ranks, no overlap", "2 ranks, collective",
                     "1 proc, no threshold"]:
            if (rows, name) in breakdown:
                lines.append(phase_row(f"{rows} rows, {name}", breakdown[(rows, name)]))
    if tiny_doc:
        lines.append(phase_row("16 rows, 2 ranks", tiny_doc))
    lines += ["", f"Start-up, 2 ranks on a 16-row file: {tiny_wall:.2f} s for the whole `mpirun` (median of "
              f"{len(tiny_walls)}); the ranks' own wall time is in the last row above."]
    if rss:
        lines += ["", "Peak RSS of `sluice-engine filter` (1 process, `/usr/bin/time -v`): " +
                  ", ".join(f"{k}: {v:.0f} MB" for k, v in rss.items()) + "."]
    section = "\n".join(lines) + "\n"
    print(section)
    if a.no_write:
        return 0
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
