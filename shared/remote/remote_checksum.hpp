#pragma once
// SHA-256 of remote files, computed on the server: `openssl dgst -sha256 -r` (the faster one), else
// `sha256sum` (DESIGN §6). The file is read from stdin so that no file name is ever escaped in the output.
#include "remote/remote_script.hpp"
#include "remote/session.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::remote {

/// A POSIX shell function `sluice_sha256 FILE` printing the lower-case hex digest; scripts embed it.
[[nodiscard]] std::string_view sha256_shell_function();

/// How long the server may take to hash `bytes`: RunLimits' default 5 minutes plus 1 s per 20 MB (a
/// slow disk, sha256sum without SHA instructions), so that a large file is not cut off while verified.
[[nodiscard]] std::chrono::milliseconds sha256_time_limit(std::uint64_t bytes);

/// Hex SHA-256 of `path` on the server (absolute, or relative to the login directory).
[[nodiscard]] Result<std::string> remote_sha256(Session& session, const std::string& path,
                                                const RunLimits& limits = {});

/// remote_sha256 in two halves: the server hashes while the caller uses the Session for something else
/// (a download reads the same file meanwhile, so the hash costs no extra time).
[[nodiscard]] Result<RemoteScript> start_remote_sha256(Session& session, const std::string& path);
/// The started hash's result; where the script ran but gave none (e.g. no bash on the server),
/// remote_sha256's. A timeout, cancel or lost connection is returned as it is.
[[nodiscard]] Result<std::string> finish_remote_sha256(Session& session, RemoteScript& started,
                                                       const std::string& path, const RunLimits& limits = {});

} // namespace sluice::remote
