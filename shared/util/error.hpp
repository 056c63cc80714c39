#pragma once
// Errors as values at every library boundary (std::expected), with a kind that the engine maps to its
// exit codes: bad input and refusals → 2, internal faults → 1.
#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <utility>

namespace sluice {

enum class ErrorKind {
    bad_input, ///< the user's file, recipe or arguments are wrong; nothing was changed
    refused,   ///< a valid request that would lose or mix data (e.g. resume with another recipe)
    io,        ///< the system failed us: disk full, permission, missing file
    cancelled, ///< the user or the scheduler asked us to stop
    internal,  ///< a bug or an unexpected library failure
};

/// Where in a recipe or a profile a problem is, as data, so that a user interface can point at the
/// field without reading the message: filters[filter].key[element], or a top-level key when filter is
/// absent.
struct Field {
    std::optional<std::size_t> filter;  ///< index in the recipe's filter list
    std::string key;                    ///< the JSON key: "cutoff_hz", "sample_rate_hz", "scratch_dir", ...
    std::optional<std::size_t> element; ///< index in a list value (freqs_hz[element], prologue[element])
    friend bool operator==(const Field&, const Field&) = default;
};

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;
    std::optional<Field> field = {}; ///< the field concerned, when there is one

    /// Prefix context ("reading Raw_Data: ...") without losing the kind.
    [[nodiscard]] Error context(std::string_view what) const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
    return std::unexpected(Error{kind, std::move(message)});
}

[[nodiscard]] inline std::unexpected<Error> fail(ErrorKind kind, std::string message, Field field) {
    return std::unexpected(Error{kind, std::move(message), std::move(field)});
}

/// Forward a failure's error unchanged, the one line of error propagation: `if (!x) return propagate(x);`
template <class T>
[[nodiscard]] std::unexpected<Error> propagate(const std::expected<T, Error>& failed) {
    return std::unexpected(failed.error());
}

} // namespace sluice
