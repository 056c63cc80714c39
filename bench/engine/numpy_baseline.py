#!/usr/bin/python3
"""Vectorised numpy implementation of FILTER_SPEC (the baseline sluice-engine is measured against).

Usage: numpy_baseline.py INPUT.h5 DATASET RECIPE.json OUTPUT.h5 [BLOCK_ROWS]
Reads rows in blocks with h5py, filters them with numpy's FFT (double), writes Filtered_Data and
Noise_Floors to OUTPUT. Supports low_pass and noise_band filters and the noise threshold.
"""
import json
import sys

import h5py
import numpy as np
from math import erf


def rne(x):
    return int(round(x))


def low_pass(n, fs, f, roll_off):
    c = rne(0.5 * n)
    s = rne(n * ((roll_off * f) / fs))
    k = rne(n * (f / fs))
    e = np.array([0.5 * (1 + erf(t)) for t in np.linspace(-2.5, 2.5, s)])
    m = np.zeros(n, dtype=np.float32)
    m[c - k:c - k + s] = e
    m[c - k + s:c + k - s + 1] = 1
    m[c + k - s + 1:c + k + 1] = 1 - e
    return m


def noise_band(n, fs, freqs, widths):
    c = rne(0.5 * n)
    m = np.ones(n, dtype=np.int16)
    for f, w in zip(freqs, widths):
        k, s = rne(n * (f / fs)), rne(c * w / fs)
        m[c - k - s:c - k + s + 1] = 0
        m[c + k - s:c + k + s + 1] = 0
    return m


def noise_floors(mag, tol):
    """Per-row §4 iteration, vectorised across rows; converged rows are frozen."""
    n = mag.shape[1]
    a = mag.copy()
    L = -np.log(tol)
    rms = np.sqrt(np.sum(a * a, axis=1) / (2 * n))
    thr = np.sqrt(2 * rms ** 2 * L)
    active = np.ones(a.shape[0], dtype=bool)
    for _ in range(49):
        if not active.any():
            break
        sub = a[active]
        sub[sub > thr[active, None]] = 0
        a[active] = sub
        rms_new = np.sqrt(np.sum(sub * sub, axis=1) / (2 * n))
        res = np.abs(rms_new - rms[active])
        thr[active] = np.sqrt(2 * rms_new ** 2 * L)
        rms[active] = rms_new
        idx = np.flatnonzero(active)
        active[idx[res <= 0.01]] = False
    return thr


def main():
    src, dset, recipe_path, out = sys.argv[1:5]
    block = int(sys.argv[5]) if len(sys.argv) > 5 else 256
    recipe = json.load(open(recipe_path))
    with h5py.File(src, "r") as f_in, h5py.File(out, "w") as f_out:
        d = f_in[dset]
        p, n = d.shape
        fs = recipe.get("sample_rate_hz") or float(f_in[dset].parent.attrs["IO_samp_rate_[Hz]"])
        comp = None
        for flt in recipe.get("filters", []):
            if flt["type"] == "low_pass":
                m = low_pass(n, fs, flt["cutoff_hz"], flt.get("roll_off", 0.05))
            elif flt["type"] == "noise_band":
                m = noise_band(n, fs, flt["freqs_hz"], flt["widths_hz"])
            else:
                raise SystemExit("baseline supports low_pass and noise_band only")
            comp = np.float32(m) if comp is None else np.float32(comp * np.float32(m))
        tol = recipe.get("noise_threshold")
        y_out = f_out.create_dataset("Filtered_Data", shape=(p, n), dtype=d.dtype)
        nf_out = f_out.create_dataset("Noise_Floors", shape=(p, 1), dtype=np.float32) if tol else None
        for r0 in range(0, p, block):
            x = d[r0:r0 + block].astype(np.float64)
            X = np.fft.fftshift(np.fft.fft(x, axis=1), axes=1)
            if tol:
                floors = noise_floors(np.abs(X), tol)
            if comp is not None:
                X = X * comp.astype(np.float64)
            if tol:
                X[np.abs(X) < floors[:, None]] = 1e-16
                nf_out[r0:r0 + block, 0] = floors.astype(np.float32)
            y_out[r0:r0 + block] = np.real(np.fft.ifft(np.fft.ifftshift(X, axes=1), axis=1)).astype(d.dtype)


if __name__ == "__main__":
    main()
