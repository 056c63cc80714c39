#include "progress.hpp"

#include "util/atomic_file.hpp"
#include "util/json_text.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace sluice::engine {
namespace {

std::string utc_now_iso8601() {
    const std::time_t t = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

std::string human_duration(double s) {
    if (!std::isfinite(s)) return "?";
    const auto total = static_cast<long long>(std::llround(s));
    if (total < 120) return fmt::format("{} s", total);
    if (total < 7200) return fmt::format("{} min {} s", total / 60, total % 60);
    return fmt::format("{} h {} min", total / 3600, (total % 3600) / 60);
}

} // namespace

ProgressReporter::ProgressReporter(std::optional<std::filesystem::path> file, bool human,
                                   std::uint64_t rows_total)
    : file_(std::move(file)), human_(human), tty_(::isatty(STDERR_FILENO) == 1), rows_total_(rows_total) {}

std::string ProgressReporter::to_json(const std::string& state, std::uint64_t rows_done,
                                      std::uint64_t rows_total, double rows_per_s, double eta_s) {
    nlohmann::ordered_json j;
    j["state"] = state;
    j["rows_done"] = rows_done;
    j["rows_total"] = rows_total;
    j["rows_per_s"] = std::isfinite(rows_per_s) ? std::round(rows_per_s * 10) / 10 : 0.0;
    if (std::isfinite(eta_s))
        j["eta_s"] = std::round(eta_s * 10) / 10;
    else
        j["eta_s"] = nullptr; // unknown until the first block is done
    j["updated"] = utc_now_iso8601();
    return json_text(j) + "\n";
}

void ProgressReporter::report(const std::string& state, std::uint64_t rows_done, bool force) {
    const auto now = Clock::now();
    if (!first_rows_) first_rows_ = rows_done;
    if (!force && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;

    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double new_rows = static_cast<double>(rows_done - *first_rows_);
    const double rate = elapsed > 0 && new_rows > 0 ? new_rows / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(rows_total_ - rows_done) / rate
                                : (rows_done == rows_total_ ? 0.0 : NAN);
    if (file_) {
        // Progress is advisory: a full disk or a vanished directory must not stop the computation.
        (void)write_file_atomically(*file_, to_json(state, rows_done, rows_total_, rate, eta));
    }
    // A terminal gets a live line each second; logs (batch jobs) a line every 30 s and the final one.
    if (!human_ || (!tty_ && !force && now - last_human_ < std::chrono::seconds(30))) return;
    last_human_ = now;
    const double pct =
        rows_total_ ? 100.0 * static_cast<double>(rows_done) / static_cast<double>(rows_total_) : 100.0;
    const auto line = fmt::format("sluice-engine: {} {}/{} rows ({:.1f}%), {:.0f} rows/s, ETA {}", state,
                                  rows_done, rows_total_, pct, rate, human_duration(eta));
    const bool final_state = state == "done" || state == "stopped" || state == "failed";
    if (tty_) {
        std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), final_state ? "\n" : "");
        line_open_ = !final_state;
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

} // namespace sluice::engine
