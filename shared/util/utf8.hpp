#pragma once
// UTF-8 checks for text that leaves the process as JSON or as an HDF5 UTF-8 attribute: file names and
// dataset paths are bytes on Linux, but what Sluice records about them must be readable text.
#include "util/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

/// Offset of the first byte that does not start or continue a valid UTF-8 sequence (overlong forms,
/// surrogates and code points above U+10FFFF are invalid too); nullopt when all of `text` is valid.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(std::string_view text);

/// bad_input naming `what`, the offending byte and its offset, unless `value` is valid UTF-8.
[[nodiscard]] Status require_utf8(std::string_view value, std::string_view what);

/// `text` with every invalid byte replaced by U+FFFD, for messages and displays.
[[nodiscard]] std::string printable_utf8(std::string_view text);

/// Text from a file or a server made safe to print on a terminal: invalid UTF-8 becomes U+FFFD and
/// control characters (C0, DEL, C1; so no escape sequence reaches the terminal) become visible "\x1b"
/// escapes. Tabs are kept, and newlines when `keep_newlines` (otherwise they show as "\n").
[[nodiscard]] std::string terminal_text(std::string_view text, bool keep_newlines = true);

} // namespace sluice
