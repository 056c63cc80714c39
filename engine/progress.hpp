#pragma once
// Progress of a filter run (DESIGN §5): rank 0 replaces the --progress JSON atomically at most once a
// second and keeps one human line on stderr (unless --quiet).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::engine {

class ProgressReporter {
public:
    ProgressReporter(std::optional<std::filesystem::path> file, bool human, std::uint64_t rows_total);

    /// state: starting | running | stopping | stopped | done | failed. Rate-limited unless force.
    void report(const std::string& state, std::uint64_t rows_done, bool force = false);

    /// The JSON document for the given numbers (public for tests and the GUI's reader to agree on).
    [[nodiscard]] static std::string to_json(const std::string& state, std::uint64_t rows_done,
                                             std::uint64_t rows_total, double rows_per_s, double eta_s);

private:
    using Clock = std::chrono::steady_clock;
    std::optional<std::filesystem::path> file_;
    bool human_;
    bool tty_;
    std::uint64_t rows_total_;
    std::optional<std::uint64_t> first_rows_; ///< rows already done when this run started (resume)
    Clock::time_point started_ = Clock::now();
    Clock::time_point last_ = Clock::time_point{};
    Clock::time_point last_human_ = Clock::time_point{};
    bool line_open_ = false;
};

} // namespace sluice::engine
