#pragma once
// What uploads and downloads share (DESIGN §6): progress reports, cancel, and how many SFTP requests
// are in flight. UploadOptions and DownloadOptions add what only their direction has.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stop_token>

namespace sluice::remote {

struct TransferOptions {
    /// Called after requests with the bytes present at the destination (an upload: acknowledged by the
    /// server) and the total; `done` only grows.
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
    /// Stops between requests; the .part stays for the next attempt.
    std::stop_token cancel;
    /// SFTP requests of 32 KiB in flight per stream; 0: the direction's default (sftp_streams.hpp:
    /// an upload fills the server's channel window, a download Sluice's larger receive window).
    std::size_t requests_in_flight = 0;
    /// Parallel SFTP streams for a large file (sftp_streams.hpp): 0 chooses from the file's size and the
    /// measured round trip; a profile's `transfer_streams` sets it. Files under 64 MiB use one.
    int streams = 0;
};

} // namespace sluice::remote
