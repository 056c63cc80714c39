#include "util/shell_quote.hpp"

namespace sluice {

std::string shell_quote(std::string_view value) {
    // Inside single quotes nothing is special except the closing quote itself, which we write as '\''.
    std::string out;
    out.reserve(value.size() + 2);
    out += '\'';
    for (char ch : value) {
        if (ch == '\'')
            out += "'\\''";
        else
            out += ch;
    }
    out += '\'';
    return out;
}

std::string shell_join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += ' ';
        out += shell_quote(w);
    }
    return out;
}

} // namespace sluice
