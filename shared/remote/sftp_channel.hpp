#pragma once
// An SFTP subsystem channel on an authenticated Session (no new login).
#include "remote/session.hpp"
#include "remote/ssh_handles.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sluice::remote {

[[nodiscard]] Result<SftpHandle> open_sftp(Session& session);

/// Size of a remote file; nullopt when it does not exist (or cannot be stat'ed).
[[nodiscard]] std::optional<std::uint64_t> remote_file_size(sftp_session sftp, const std::string& path);

} // namespace sluice::remote
