#pragma once
// Resumable, verified downloads (DESIGN §6): many SFTP reads in flight (waited in issue order), data to
// `<local>.part`, SHA-256 while streaming, compared with the server's hash (or the expected one),
// fsync, then rename over `<local>`.
#include "remote/session.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

namespace sluice::remote {

struct DownloadOptions {
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
    std::stop_token cancel; ///< stops between reads; the .part stays for the next attempt
    /// Known hash of the remote file (e.g. recorded at upload); absent → the server computes it while
    /// the file is read.
    std::optional<std::string> expected_sha256;
};

struct DownloadResult {
    std::string sha256;
    std::uint64_t bytes = 0;
    std::uint64_t resumed_from = 0;
    std::uint64_t received = 0; ///< bytes read by this call
};

[[nodiscard]] Result<DownloadResult> download_file(Session& session, const std::string& remote,
                                                   const std::filesystem::path& local,
                                                   const DownloadOptions& options = {});

} // namespace sluice::remote
