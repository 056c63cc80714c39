#include "util/memory_budget.hpp"

#include <array>
#include <fmt/format.h>
#include <limits>
#include <unistd.h>

namespace sluice {

std::uint64_t physical_memory_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return 0;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::uint64_t single_buffer_limit() {
    const auto ram = physical_memory_bytes();
    // Unknown RAM: assume a modest 4 GiB machine rather than no limit at all.
    return ram ? ram / 2 : (std::uint64_t{2} << 30);
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr std::array units{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return fmt::format("{} bytes", bytes);
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    for (v /= 1024; v >= 1024 && u + 1 < units.size(); v /= 1024)
        ++u;
    return v >= 100 || v == static_cast<double>(static_cast<std::uint64_t>(v))
               ? fmt::format("{:.0f} {}", v, units[u])
               : fmt::format("{:.1f} {}", v, units[u]);
}

std::string grouped(std::uint64_t n) {
    auto digits = std::to_string(n);
    for (auto i = static_cast<std::ptrdiff_t>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<std::size_t>(i), 1, ' ');
    return digits;
}

Status check_memory(std::string_view what, std::uint64_t count, std::uint64_t bytes_each,
                    std::optional<std::uint64_t> limit) {
    const auto max = limit.value_or(single_buffer_limit());
    const bool overflows = bytes_each != 0 && count > std::numeric_limits<std::uint64_t>::max() / bytes_each;
    const auto need = overflows ? std::numeric_limits<std::uint64_t>::max() : count * bytes_each;
    if (need <= max) return {};
    const auto ram = physical_memory_bytes();
    const auto need_text = overflows ? std::string("more memory than any computer has") : human_bytes(need);
    if (ram == 0 || need > ram)
        return fail(ErrorKind::bad_input, fmt::format("{} needs {}; this machine has {}", what, need_text,
                                                      ram ? human_bytes(ram) : std::string("less")));
    if (limit)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} needs {}, more than the {} allowed", what, need_text, human_bytes(max)));
    return fail(ErrorKind::bad_input, fmt::format("{} needs {}, more than Sluice allows one buffer ({}, half "
                                                  "of this machine's {})",
                                                  what, need_text, human_bytes(max), human_bytes(ram)));
}

} // namespace sluice
