#pragma once
// Bytes, rate and time left for an upload or download, from the progress reports a transfer makes
// (docs/DESIGN.md §7). One home for the arithmetic and the wording, so the Jobs view and sluice-cli say
// the same thing. The clock is a parameter: tests feed it time points.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

struct TransferReading {
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    std::optional<double> bytes_per_second; ///< unset until the window holds a second report
    std::optional<std::chrono::seconds> left;
};

class TransferMeter {
public:
    using Clock = std::chrono::steady_clock;
    /// The rate is taken over the last `window` of reports: recent enough to follow a change of network,
    /// long enough not to jump with each pipelined burst.
    explicit TransferMeter(Clock::duration window = std::chrono::seconds(5)) : window_(window) {}

    /// Record that `done` of `total` bytes are across at `now`. A report that goes backwards or names
    /// another total starts a new transfer (a resumed .part starts counting from what is kept).
    TransferReading update(std::uint64_t done, std::uint64_t total, Clock::time_point now);
    void reset() { samples_.clear(); }

private:
    struct Sample {
        Clock::time_point at;
        std::uint64_t done;
    };
    Clock::duration window_;
    std::uint64_t total_ = 0;
    std::deque<Sample> samples_;
};

/// "120 MiB of 500 MiB · 45.3 MiB/s · 8 s left" (rate and time left only when known).
[[nodiscard]] std::string describe_transfer(const TransferReading& r);
/// "8 s", "3 min 20 s", "2 h 05 min".
[[nodiscard]] std::string short_duration(std::chrono::seconds s);

} // namespace sluice
