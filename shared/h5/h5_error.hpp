#pragma once
// HDF5 reports failures on its own error stack and, by default, prints it to stderr. We silence the
// printing and turn the stack into one readable message instead.
#include "util/error.hpp"

#include <string>
#include <string_view>

namespace sluice::h5 {

/// Turn off HDF5's automatic stack printing for this process (idempotent, call before any HDF5 use).
void silence_error_printing();

/// The innermost-to-outermost descriptions on the current thread's HDF5 error stack, joined with
/// "; " (empty when the stack is empty). Clears the stack.
[[nodiscard]] std::string take_error_stack();

/// `what` + the stack's text, as an Error of the given kind.
[[nodiscard]] Error h5_error(std::string_view what, ErrorKind kind = ErrorKind::io);
[[nodiscard]] inline std::unexpected<Error> h5_fail(std::string_view what, ErrorKind kind = ErrorKind::io) {
    return std::unexpected(h5_error(what, kind));
}

} // namespace sluice::h5
