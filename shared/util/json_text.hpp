#pragma once
// JSON to text without exceptions: nlohmann's dump() throws on invalid UTF-8, which would abort a
// program over one odd byte in a file name or attribute. Invalid bytes become U+FFFD instead.
#include <nlohmann/json.hpp>
#include <string>

namespace sluice {

/// `indent` < 0: compact, one line.
template <class Json>
[[nodiscard]] std::string json_text(const Json& j, int indent = -1) {
    return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

} // namespace sluice
