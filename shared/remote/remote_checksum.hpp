#pragma once
// SHA-256 of remote files, computed on the server: `sha256sum`, else `openssl dgst -sha256 -r`
// (DESIGN §6). The file is read from stdin so that no file name is ever escaped in the output.
#include "remote/session.hpp"
#include "util/error.hpp"

#include <string>
#include <string_view>

namespace sluice::remote {

/// A POSIX shell function `sluice_sha256 FILE` printing the lower-case hex digest; scripts embed it.
[[nodiscard]] std::string_view sha256_shell_function();

/// Hex SHA-256 of `path` on the server (absolute, or relative to the login directory).
[[nodiscard]] Result<std::string> remote_sha256(Session& session, const std::string& path);

} // namespace sluice::remote
