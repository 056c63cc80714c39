#pragma once
// Line handling shared by the scheduler parsers (internal to shared/jobs).
#include "jobs/directive_values.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <string_view>
#include <vector>

namespace sluice::jobs::detail {

using sluice::trim;

inline std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

/// Split at most `max_parts - 1` times; the rest stays in the last part.
inline std::vector<std::string_view> split(std::string_view s, char sep, std::size_t max_parts = 0) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto pos = s.find(sep);
        if (pos == std::string_view::npos || (max_parts && parts.size() + 1 == max_parts)) {
            parts.push_back(s);
            return parts;
        }
        parts.push_back(s.substr(0, pos));
        s.remove_prefix(pos + 1);
    }
}

inline std::unexpected<Error> cannot_parse(std::string_view what, std::size_t line_no, std::string_view line,
                                           std::string_view why = {}) {
    return fail(ErrorKind::internal, fmt::format("cannot parse {} output, line {}: '{}'{}{}", what, line_no,
                                                 printable(line), why.empty() ? "" : ": ", why));
}

} // namespace sluice::jobs::detail
