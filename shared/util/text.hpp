#pragma once
// Whitespace and line helpers for command output and small text files.
#include <string_view>

namespace sluice {

/// `s` without leading and trailing blanks, tabs and line ends.
[[nodiscard]] inline std::string_view trim(std::string_view s) {
    constexpr std::string_view blank = " \t\r\n";
    const auto first = s.find_first_not_of(blank);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blank) - first + 1);
}

/// The first line of `text`, without its line end and trailing blanks: what a one-line answer said.
[[nodiscard]] inline std::string_view first_line(std::string_view text) {
    text = text.substr(0, text.find('\n'));
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

} // namespace sluice
