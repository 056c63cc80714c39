#pragma once
// Resumable, verified downloads (DESIGN §6): many SFTP reads in flight, over several SFTP channels for
// a large file (sftp_streams.hpp), waited in file order, data to
// `<local>.part`, SHA-256 while streaming, compared with the server's hash (or the expected one),
// fsync, then rename over `<local>`.
#include "remote/session.hpp"
#include "remote/transfer_options.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sluice::remote {

struct DownloadOptions : TransferOptions {
    /// Known hash of the remote file (e.g. recorded at upload); absent → the server computes it while
    /// the file is read.
    std::optional<std::string> expected_sha256;
};

struct DownloadResult {
    std::string sha256;
    std::uint64_t bytes = 0;
    std::uint64_t resumed_from = 0;
    std::uint64_t received = 0; ///< bytes read by this call
    int streams = 0;            ///< SFTP channels the data came over
};

[[nodiscard]] Result<DownloadResult> download_file(Session& session, const std::string& remote,
                                                   const std::filesystem::path& local,
                                                   const DownloadOptions& options = {});

} // namespace sluice::remote
