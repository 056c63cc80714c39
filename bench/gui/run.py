#!/usr/bin/env python3
"""GUI benchmarks: the preview recompute (bench_preview) and the app's cold start, i.e. process start to
the first paint of the time plot with a file open (sluice FILE with SLUICE_EXIT_AFTER_FIRST_PAINT, which
prints the wall-clock time of that paint and quits), under QT_QPA_PLATFORM=offscreen and under Xvfb.

    /usr/bin/python3 bench/gui/run.py --build build/h-gui [--runs 10]

Build `sluice`, `sluice-engine` and `bench_preview` first. Prints a Markdown section for docs/BENCHMARKS.md."""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def cold_start(sluice, path, env, runs):
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as config:  # no saved layout or recipe: a first start
            e = dict(env, XDG_CONFIG_HOME=config, XDG_DATA_HOME=config, SLUICE_EXIT_AFTER_FIRST_PAINT="1")
            t0 = time.time_ns()
            out = subprocess.run([sluice, path], env=e, capture_output=True, text=True, timeout=60)
            line = [l for l in out.stdout.splitlines() if l.startswith("first_paint_unix_ns=")]
            if out.returncode != 0 or not line:
                sys.exit(f"sluice failed ({out.returncode}): {out.stderr.strip()}")
            times.append((int(line[0].split("=")[1]) - t0) / 1e6)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    sluice = os.path.join(a.build, "gui", "sluice")
    engine = os.path.join(a.build, "engine", "sluice-engine")
    bench = os.path.join(a.build, "bench", "bench_preview")
    with tempfile.TemporaryDirectory() as work:
        synth = os.path.join(work, "synth.h5")
        subprocess.run([engine, "synth", "--output", synth, "--rows", "1024", "--points", "16384",
                        "--rate", "4e6"], check=True, capture_output=True)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        preview = json.loads(subprocess.run([bench, synth, "200"], env=env, check=True, capture_output=True,
                                            text=True).stdout)
        offscreen = cold_start(sluice, synth, env, a.runs)
        display = ":97"
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                                stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            xenv = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
            xcb = cold_start(sluice, synth, xenv, a.runs)
        finally:
            xvfb.terminate()
            xvfb.wait()

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    med = statistics.median
    lines = [
        "## GUI (`bench/gui/run.py`)", "",
        f"Command: `/usr/bin/python3 bench/gui/run.py --build {os.path.relpath(a.build)} --runs {a.runs}`. "
        f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}.", "",
        f"**Preview recompute** (`bench_preview`, {preview['runs']} runs, one synth pixel of "
        f"{preview['points']} points, low_pass + noise_band + harmonic_pass + noise threshold):", "",
        "| part | median | 90th percentile |", "|---|---|---|",
        f"| compute_preview (worker thread: stage-2 validation, masks, FFTs, noise floor) | "
        f"{preview['compute_median_ms']:.2f} ms | {preview['compute_p90_ms']:.2f} ms |",
        f"| PlotPanel::showPreview (UI thread: both plots replotted, 900 × 700 px) | "
        f"{preview['draw_median_ms']:.2f} ms | {preview['draw_p90_ms']:.2f} ms |",
        f"| together | {preview['total_median_ms']:.2f} ms | {preview['total_p90_ms']:.2f} ms |", "",
        f"**Cold start** (`sluice FILE` → first paint of the time plot with pixel 0 drawn; 1024 × 16384 synth "
        f"file; fresh settings each run; median of {a.runs}):", "",
        "| platform | median | min | max |", "|---|---|---|---|",
        f"| offscreen | {med(offscreen):.0f} ms | {min(offscreen):.0f} ms | {max(offscreen):.0f} ms |",
        f"| xcb on Xvfb 1400×900×24 | {med(xcb):.0f} ms | {min(xcb):.0f} ms | {max(xcb):.0f} ms |",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
