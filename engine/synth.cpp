// `sluice-engine synth`: a deterministic, realistic h5USID file for demos and tests (DESIGN §4b).
// Every row is a cantilever-like signal: a drive tone with harmonics whose amplitude and phase change
// smoothly across the scan, a resonance that is strong only in one region, an interference spur, a
// mains-like comb of odd harmonics, a slow tilt, and Gaussian noise. Frequencies are fractions of the
// sample rate, so the spectra look alike at any rate. Rows are generated and written in blocks.
#include "commands.hpp"
#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/rows.hpp"
#include "h5/usid_writer.hpp"
#include "util/atomic_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <numbers>
#include <random>
#include <span>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

namespace sluice::engine {
namespace {

namespace fs = std::filesystem;
constexpr double two_pi = 2 * std::numbers::pi;

// Frequencies in cycles per sample (fraction of the sample rate).
constexpr double drive = 0.05; // harmonics 1..6 → 0.05 .. 0.30
constexpr int drive_harmonics = 6;
constexpr double resonance = 0.37; // removed by a low-pass below it
constexpr double spur = 0.12;      // a narrow interference line: a notch target
constexpr double comb = 0.006;     // "mains" comb, odd harmonics 1..9
constexpr int comb_lines = 5;
constexpr double noise_sigma = 0.05;
constexpr double position_step_m = 1e-6;
constexpr std::uint64_t max_points = std::uint64_t{1} << 24;

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Box–Muller on mt19937_64 (whose output sequence the standard fixes), so the values do not depend on
// a standard library's distribution implementation.
class Gaussian {
public:
    explicit Gaussian(std::uint64_t seed) : rng_(seed) {}
    double uniform() { return (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53; } // (0, 1)
    double operator()() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double t = two_pi * uniform();
        spare_ = r * std::sin(t);
        has_spare_ = true;
        return r * std::cos(t);
    }

private:
    std::mt19937_64 rng_;
    bool has_spare_ = false;
    double spare_ = 0;
};

// The most square grid with exactly `rows` points: ny = largest divisor <= sqrt(rows).
std::pair<std::uint64_t, std::uint64_t> grid_for(std::uint64_t rows) {
    std::uint64_t ny = 1;
    for (std::uint64_t d = 1; d * d <= rows; ++d)
        if (rows % d == 0) ny = d;
    return {ny, rows / ny};
}

class SignalModel {
public:
    SignalModel(std::uint64_t rows, std::uint64_t points, std::uint64_t seed)
        : points_(points), chunk_(std::min<std::uint64_t>(points, 4096)), seed_(seed), grid_(grid_for(rows)) {
        Gaussian g(splitmix64(seed ^ 0x5EEDull));
        drive_phase_ = two_pi * g.uniform();
        blob_u_ = 0.2 + 0.6 * g.uniform();
        blob_v_ = 0.2 + 0.6 * g.uniform();
        pattern_phase_ = g.uniform();
        for (int h = 1; h <= drive_harmonics; ++h)
            add_tone(h * drive);
        add_tone(resonance);
        add_tone(spur);
        for (int m = 0; m < comb_lines; ++m)
            add_tone((2 * m + 1) * comb);
    }

    [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> grid() const { return grid_; }

    // For people reading the file: what is in the signal, in Hz at this rate.
    std::string description(double rate_hz) const {
        const auto hz = [rate_hz](double cycles) {
            return fmt::format("{} Hz", std::round(cycles * rate_hz * 1e3) / 1e3); // no 1480000.0000000002
        };
        return fmt::format(
            "drive {} with harmonics 2-{} (amplitude and phase vary across the scan); resonance {}, "
            "strongest around x = {:.2f}, y = {:.2f} of the scan; interference line {}; comb of odd "
            "harmonics 1-{} of {}; tilt; Gaussian noise sigma {}",
            hz(drive), drive_harmonics, hz(resonance), blob_u_, blob_v_, hz(spur), 2 * comb_lines - 1,
            hz(comb), noise_sigma);
    }

    void row(std::uint64_t p, std::span<double> out) const {
        const auto [ny, nx] = grid_;
        const double u = nx > 1 ? static_cast<double>(p % nx) / static_cast<double>(nx - 1) : 0.5;
        const double v = ny > 1 ? static_cast<double>(p / nx) / static_cast<double>(ny - 1) : 0.5;

        // Drive: amplitude pattern and a phase lag that bends across the scan.
        const double amp =
            0.8 + 0.4 * std::sin(two_pi * (0.7 * u + pattern_phase_)) * std::cos(two_pi * 0.5 * v);
        const double lag = drive_phase_ + 1.2 * (u - 0.5) + 0.8 * (v - 0.5) * (v - 0.5);
        std::vector<std::pair<double, double>> tones; // amplitude, phase per table
        for (int h = 1; h <= drive_harmonics; ++h)
            tones.emplace_back(amp * std::pow(0.55, h - 1), h * lag);
        const double du = u - blob_u_, dv = v - blob_v_;
        tones.emplace_back(0.6 * std::exp(-(du * du + dv * dv) / (2 * 0.2 * 0.2)), 0.3);
        // Interference is not locked to the pixel clock: its phase moves from row to row.
        const double drift = two_pi * std::fmod(static_cast<double>(p) * 0.61803398875 + pattern_phase_, 1.0);
        tones.emplace_back(0.3, drift);
        for (int m = 0; m < comb_lines; ++m)
            tones.emplace_back(0.15 / (2 * m + 1), (2 * m + 1) * drift * 0.37);

        const double tilt = 0.2 * (u - 0.5) + 0.1 * (v - 0.5);
        std::fill(out.begin(), out.end(), tilt);
        // Tables cover one chunk of points; later chunks are the same waves shifted in phase:
        // A sin(w(k0 + j) + phi) = A cos(phi') sin(wj) + A sin(phi') cos(wj) with phi' = phi + w k0.
        for (std::uint64_t k0 = 0; k0 < points_; k0 += chunk_) {
            const auto len = std::min(chunk_, points_ - k0);
            for (std::size_t j = 0; j < tones.size(); ++j) {
                const double shifted =
                    tones[j].second + two_pi * std::fmod(freqs_[j] * static_cast<double>(k0), 1.0);
                const double a = tones[j].first * std::cos(shifted);
                const double b = tones[j].first * std::sin(shifted);
                const double* s = &sin_[j * chunk_];
                const double* c = &cos_[j * chunk_];
                double* x = &out[k0];
                for (std::size_t k = 0; k < len; ++k)
                    x[k] += a * s[k] + b * c[k];
            }
        }
        Gaussian noise(splitmix64(splitmix64(seed_) ^ p)); // per row: any block size, same file
        for (auto& x : out)
            x += noise_sigma * noise();
    }

private:
    void add_tone(double cycles_per_sample) {
        freqs_.push_back(cycles_per_sample);
        for (std::uint64_t k = 0; k < chunk_; ++k) {
            const double t = two_pi * std::fmod(cycles_per_sample * static_cast<double>(k), 1.0);
            sin_.push_back(std::sin(t));
            cos_.push_back(std::cos(t));
        }
    }

    std::uint64_t points_;
    std::uint64_t chunk_; ///< points per table
    std::uint64_t seed_;
    std::pair<std::uint64_t, std::uint64_t> grid_;
    double drive_phase_ = 0, blob_u_ = 0.5, blob_v_ = 0.5, pattern_phase_ = 0;
    std::vector<double> freqs_;     // cycles per sample, per tone
    std::vector<double> sin_, cos_; // one table of `chunk_` values per tone
};

Status check_options(const SynthOptions& o) {
    if (o.rows == 0 || o.points == 0)
        return fail(ErrorKind::bad_input, "synth needs at least one row and one point (--rows, --points)");
    // Rows are written in blocks, but one row (and the spectroscopic table) is held whole: cap its length.
    if (o.rows > 0xFFFFFFFFull || o.points > max_points)
        return fail(ErrorKind::bad_input,
                    fmt::format("synth writes at most {} points per row and 2^32 - 1 rows", max_points));
    if (!std::isfinite(o.rate_hz) || o.rate_hz <= 0)
        return fail(ErrorKind::bad_input,
                    fmt::format("--rate must be a positive number of Hz, not {}", o.rate_hz));
    std::error_code ec;
    if (fs::exists(fs::symlink_status(o.output, ec)))
        return fail(ErrorKind::bad_input,
                    fmt::format("{} already exists; synth does not overwrite files", o.output.string()));
    const auto dir = o.output.has_parent_path() ? o.output.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec))
        return fail(ErrorKind::bad_input, fmt::format("the directory {} does not exist", dir.string()));
    struct statvfs vfs {};
    const double need = static_cast<double>(o.rows) * static_cast<double>(o.points) * 4.0 * 1.01 + 1e6;
    if (::statvfs(dir.c_str(), &vfs) == 0 &&
        static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize) < need)
        return fail(ErrorKind::bad_input, fmt::format("not enough free space in {}: the file needs {:.1f} MB",
                                                      dir.string(), need / 1e6));
    return {};
}

Status write_file(const fs::path& path, const SynthOptions& o) {
    auto file = h5::create_file(path);
    if (!file) return propagate(file);
    const SignalModel model(o.rows, o.points, o.seed);
    const auto [ny, nx] = model.grid();

    h5::MainDatasetLayout layout;
    layout.group_path = "/Measurement_000/Channel_000";
    layout.quantity = "Deflection";
    layout.units = "V";
    layout.positions = {{"Y", "m", ny, position_step_m, 0}, {"X", "m", nx, position_step_m, 0}};
    layout.spectroscopic = {{"Time", "s", o.points, 1.0 / o.rate_hz, 0}};
    auto main = h5::create_main_dataset(file->get(), layout);
    if (!main) return propagate(main);

    auto channel = h5::open_group(file->get(), layout.group_path);
    auto measurement = h5::open_group(file->get(), "/Measurement_000");
    if (!channel) return propagate(channel);
    if (!measurement) return propagate(measurement);
    Status st = h5::write_double_attribute(channel->get(), "IO_samp_rate_[Hz]", o.rate_hz);
    if (st) st = h5::write_string_attribute(measurement->get(), "data_type", "synthetic");
    if (st) st = h5::write_int_attribute(measurement->get(), "synth_seed", static_cast<std::int64_t>(o.seed));
    if (st) st = h5::write_string_attribute(measurement->get(), "synth_signal", model.description(o.rate_hz));
    if (!st) return st;

    // About 8 MB of doubles per block, whatever the row length.
    const std::uint64_t block = std::clamp<std::uint64_t>((std::uint64_t{1} << 20) / o.points, 1, o.rows);
    std::vector<double> buf(block * o.points);
    for (std::uint64_t first = 0; first < o.rows; first += block) {
        const auto count = std::min(block, o.rows - first);
        for (std::uint64_t r = 0; r < count; ++r)
            model.row(first + r, std::span(buf).subspan(r * o.points, o.points));
        if (auto w = h5::write_rows(main->get(), first, count, std::span(buf).first(count * o.points)); !w)
            return w;
    }
    if (H5Fflush(file->get(), H5F_SCOPE_LOCAL) < 0) return h5::h5_fail("cannot flush " + path.string());
    return {};
}

// Publish the finished file under its name, never replacing one that appeared meanwhile.
Status publish(const fs::path& tmp, const fs::path& out) {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) == 0) return {};
    if (errno == EEXIST)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} already exists; synth does not overwrite files", out.string()));
    if (errno != EINVAL && errno != ENOSYS)
        return fail(ErrorKind::io, fmt::format("cannot create {}: {}", out.string(), std::strerror(errno)));
    // File systems without RENAME_NOREPLACE: link() refuses an existing name just the same.
    if (::link(tmp.c_str(), out.c_str()) != 0)
        return fail(errno == EEXIST ? ErrorKind::bad_input : ErrorKind::io,
                    fmt::format("cannot create {}: {}", out.string(), std::strerror(errno)));
    ::unlink(tmp.c_str());
    return {};
}

} // namespace

Status run_synth(const SynthOptions& options) {
    if (auto st = check_options(options); !st) return st;
    const auto dir = options.output.has_parent_path() ? options.output.parent_path() : fs::path(".");
    const auto tmp = dir / fmt::format(".{}.synth-{}", options.output.filename().string(), ::getpid());
    std::error_code ec;
    auto st = write_file(tmp, options);
    if (st) st = fsync_path(tmp);
    if (st) st = publish(tmp, options.output);
    if (!st) {
        fs::remove(tmp, ec);
        return st;
    }
    (void)fsync_path(dir);
    const auto [ny, nx] = grid_for(options.rows);
    fmt::print("wrote {}: {} rows ({} x {} grid) x {} points at {} Hz, seed {}\n", options.output.string(),
               options.rows, ny, nx, options.points, options.rate_hz, options.seed);
    return {};
}

} // namespace sluice::engine
