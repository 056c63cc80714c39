#pragma once
// Errors as values at every library boundary (std::expected), with a kind that the engine maps to its
// exit codes: bad input and refusals → 2, internal faults → 1.
#include <expected>
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

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;

    /// Prefix context ("reading Raw_Data: ...") without losing the kind.
    [[nodiscard]] Error context(std::string_view what) const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
    return std::unexpected(Error{kind, std::move(message)});
}

} // namespace sluice
