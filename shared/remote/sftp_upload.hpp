#pragma once
// Resumable, verified uploads (DESIGN §6): data goes to `<remote>.part` (over several SFTP channels
// for a large file, sftp_streams.hpp), continues from the size a previous attempt left there (less
// the last kUploadFrontier bytes for a file that may have gone in parallel), is hashed while it
// streams, verified by the server's own SHA-256 and only then renamed over `<remote>` (rename(2) on
// the server: atomic, replaces an old copy).
#include "remote/session.hpp"
#include "remote/transfer_options.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::remote {

struct UploadOptions : TransferOptions {
    /// The local file's SHA-256 if already known: a verified remote copy with it is not sent again.
    std::optional<std::string> known_sha256;
    /// Many writes in flight (sftp_pipelined_writer.hpp); false: libssh's sftp_write, one round trip
    /// per 32 KiB, the slow fallback.
    bool pipelined = true;
};

struct UploadResult {
    std::string sha256;
    std::uint64_t bytes = 0;        ///< file size
    std::uint64_t resumed_from = 0; ///< bytes a previous attempt had already sent
    std::uint64_t sent = 0;         ///< bytes sent by this call
    bool skipped = false;           ///< the remote file already had `known_sha256`
    int streams = 0;                ///< SFTP channels the data went over
};

/// `remote` is absolute or relative to the login directory; its parent directory is created. When the
/// target's file system has less free space than is left to send, the upload is refused before any
/// data moves (ErrorKind::refused).
[[nodiscard]] Result<UploadResult> upload_file(Session& session, const std::filesystem::path& local,
                                               const std::string& remote, const UploadOptions& options = {});

} // namespace sluice::remote
