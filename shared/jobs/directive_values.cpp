#include "jobs/directive_values.hpp"

#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <limits>
#include <vector>

namespace sluice::jobs {
namespace {

bool is_word_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

std::uint64_t to_number(std::string_view digits) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size())
        return std::numeric_limits<std::uint64_t>::max();
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const auto pos = s.find(sep, start);
        parts.push_back(
            s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) return parts;
        start = pos + 1;
    }
}

auto bad(std::string_view field, std::string_view value, std::string_view why) {
    return fail(ErrorKind::bad_input, fmt::format("{}: '{}' {}", field, printable(value), why));
}

} // namespace

std::string printable(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size() && i < 80; ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c == '\n')
            out += "\\n";
        else if (c < 0x20 || c >= 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    if (value.size() > 80) out += "...";
    return out;
}

Status check_directive_word(std::string_view field, std::string_view value) {
    if (value.empty()) return bad(field, value, "is empty");
    if (value.size() > 64) return bad(field, value, "is longer than 64 characters");
    for (char c : value)
        if (!is_word_char(c)) return bad(field, value, "may contain only letters, digits, '_', '.' and '-'");
    return {};
}

Status check_job_id(std::string_view value) {
    if (value.empty() || value.size() > 64) return bad("job id", value, "must have 1 to 64 characters");
    for (char c : value)
        if (!is_word_char(c) || c == '.')
            return bad("job id", value, "may contain only letters, digits, '_' and '-'");
    return {};
}

Status check_variable_name(std::string_view field, std::string_view value) {
    const auto ok_first = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    if (value.empty() || !ok_first(value.front())) return bad(field, value, "is not a shell variable name");
    for (char c : value)
        if (!ok_first(c) && !(c >= '0' && c <= '9')) return bad(field, value, "is not a shell variable name");
    return {};
}

Result<std::chrono::seconds> parse_walltime(std::string_view value) {
    const auto wrong = [&] { return bad("walltime", value, "is not HH:MM:SS or D-HH:MM:SS"); };
    std::uint64_t days = 0;
    std::string_view clock = value;
    bool with_days = false;
    if (const auto dash = value.find('-'); dash != std::string_view::npos) {
        if (!all_digits(value.substr(0, dash)) || dash > 3) return wrong();
        days = to_number(value.substr(0, dash));
        clock = value.substr(dash + 1);
        with_days = true;
    }
    const auto parts = split(clock, ':');
    if (parts.size() != 3) return wrong();
    for (auto p : parts)
        if (!all_digits(p) || p.size() > 6) return wrong();
    if (parts[1].size() != 2 || parts[2].size() != 2 || (with_days && parts[0].size() != 2)) return wrong();
    const auto h = to_number(parts[0]), m = to_number(parts[1]), s = to_number(parts[2]);
    if (m > 59 || s > 59 || (with_days && h > 23)) return wrong();
    const auto total = ((days * 24 + h) * 60 + m) * 60 + s;
    if (total == 0) return bad("walltime", value, "is zero");
    if (total > 366ULL * 24 * 3600) return bad("walltime", value, "is longer than a year");
    return std::chrono::seconds(static_cast<std::int64_t>(total));
}

std::string format_slurm_time(std::chrono::seconds t) {
    const auto s = t.count();
    const auto days = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
    if (days > 0) return fmt::format("{}-{:02}:{:02}:{:02}", days, h, m, sec);
    return fmt::format("{:02}:{:02}:{:02}", h, m, sec);
}

std::string format_pbs_walltime(std::chrono::seconds t) {
    const auto s = t.count();
    return fmt::format("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60);
}

Result<Memory> parse_memory(std::string_view value) {
    const auto wrong = [&] { return bad("memory", value, "is not a number with an optional K, M, G or T"); };
    if (value.empty()) return wrong();
    Memory m;
    std::string_view digits = value;
    if (const char last = value.back(); last == 'K' || last == 'M' || last == 'G' || last == 'T') {
        m.unit = last;
        digits.remove_suffix(1);
    }
    if (!all_digits(digits) || digits.size() > 12) return wrong();
    m.amount = to_number(digits);
    if (m.amount == 0) return bad("memory", value, "is zero");
    return m;
}

std::string format_slurm_memory(Memory m) {
    return fmt::format("{}{}", m.amount, m.unit);
}

std::string format_pbs_memory(Memory m, std::uint64_t factor) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(m.unit)));
    return fmt::format("{}{}b", m.amount * factor, lower);
}

Status check_count(std::string_view field, int value, int max) {
    if (value < 1 || value > max)
        return fail(ErrorKind::bad_input, fmt::format("{}: {} is not between 1 and {}", field, value, max));
    return {};
}

} // namespace sluice::jobs
