#include "util/utf8.hpp"

#include <fmt/format.h>

namespace sluice {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one (RFC 3629 table).
std::size_t sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF; // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        if (b0 == 0xE0) lo = 0xA0; // no overlong forms
        if (b0 == 0xED) hi = 0x9F; // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return len;
}

} // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto len = sequence_length(text, i);
        if (len == 0) return i;
        i += len;
    }
    return std::nullopt;
}

Status require_utf8(std::string_view value, std::string_view what) {
    const auto bad = first_invalid_utf8(value);
    if (!bad) return {};
    return fail(ErrorKind::bad_input,
                fmt::format("{} \"{}\" is not valid UTF-8 (byte 0x{:02X} at offset {}): Sluice stores and "
                            "shows it as text, which must be UTF-8",
                            what, printable_utf8(value), static_cast<unsigned char>(value[*bad]), *bad));
}

std::string printable_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto len = sequence_length(text, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(text.substr(i, len));
            i += len;
        }
    }
    return out;
}

std::string terminal_text(std::string_view text, bool keep_newlines) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto len = sequence_length(text, i);
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        const bool c0 = len == 1 && (b0 < 0x20 || b0 == 0x7F);
        const bool c1 =
            len == 2 && b0 == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0; // U+0080..9F
        if (c0 && (b0 == '\t' || (b0 == '\n' && keep_newlines))) {
            out += static_cast<char>(b0);
        } else if (c0 && b0 == '\n') {
            out += "\\n";
        } else if (c0 || c1) {
            out += fmt::format("\\x{:02x}", c1 ? static_cast<unsigned char>(text[i + 1]) : b0);
        } else {
            out.append(text.substr(i, len));
        }
        i += len;
    }
    return out;
}

} // namespace sluice
