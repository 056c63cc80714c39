#pragma once
// Per-row noise floor of FILTER_SPEC §4.
#include <cstddef>
#include <span>

namespace sluice::signal {

/// Reference form: `magnitudes` are |X_i| of all N bins (any order); tol in (0,1). Returns the last
/// threshold in double (0 when the iteration collapses).
[[nodiscard]] double noise_floor(std::span<const double> magnitudes, double tol);

/// Fast form on a real signal's half spectrum (r2c output, n/2+1 bins): `mag` are |X_k| for
/// k = 0..n/2, and every bin except DC (and Nyquist for even n) stands for two bins of the full
/// spectrum. Same result as noise_floor() on the full spectrum up to summation order. `scratch` must
/// hold mag.size() doubles.
[[nodiscard]] double noise_floor_half(std::span<const double> mag, std::size_t n, double tol,
                                      std::span<double> scratch);

/// noise_floor_half() on squared magnitudes (|X_k|^2 = re^2 + im^2, no square roots needed). Every
/// zeroing decision is the one sqrt(sq_k) > thr gives. Valid while the squares neither overflow nor
/// underflow (about 1e-150 < |X_k| < 1e150); `scratch` must hold sq.size() doubles.
[[nodiscard]] double noise_floor_half_sq(std::span<const double> sq, std::size_t n, double tol,
                                         std::span<double> scratch);

} // namespace sluice::signal
