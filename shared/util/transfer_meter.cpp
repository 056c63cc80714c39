#include "util/transfer_meter.hpp"

#include "util/memory_budget.hpp"

#include <cmath>
#include <fmt/format.h>

namespace sluice {

TransferReading TransferMeter::update(std::uint64_t done, std::uint64_t total, Clock::time_point now) {
    if (total != total_ || (!samples_.empty() && (done < samples_.back().done || now < samples_.back().at)))
        samples_.clear();
    total_ = total;
    samples_.push_back({now, done});
    // Keep one report at or before the window's start, so the rate spans the whole window.
    while (samples_.size() > 2 && now - samples_[1].at >= window_)
        samples_.pop_front();

    TransferReading r{.done = done, .total = total, .bytes_per_second = {}, .left = {}};
    const auto& first = samples_.front();
    const std::chrono::duration<double> span = now - first.at;
    if (samples_.size() < 2 || span.count() <= 0) return r;
    const double rate = static_cast<double>(done - first.done) / span.count();
    r.bytes_per_second = rate;
    if (rate > 0 && total >= done)
        r.left = std::chrono::seconds(
            static_cast<std::int64_t>(std::ceil(static_cast<double>(total - done) / rate)));
    return r;
}

std::string short_duration(std::chrono::seconds s) {
    const auto n = s.count();
    if (n < 60) return fmt::format("{} s", n);
    if (n < 3600) return fmt::format("{} min {:02} s", n / 60, n % 60);
    return fmt::format("{} h {:02} min", n / 3600, (n % 3600) / 60);
}

std::string describe_transfer(const TransferReading& r) {
    auto text = fmt::format("{} of {}", human_bytes(r.done), human_bytes(r.total));
    if (r.bytes_per_second)
        text += fmt::format(" · {}/s", human_bytes(static_cast<std::uint64_t>(*r.bytes_per_second)));
    if (r.left && r.done < r.total) text += fmt::format(" · {} left", short_duration(*r.left));
    return text;
}

} // namespace sluice
