#pragma once
// Parallel SFTP streams for one file (DESIGN §6). One SFTP channel moves at most its SSH window per
// round trip (libssh 0.10 re-opens its 1.28 MB receive window at half, OpenSSH's sshd offers 2 MB), so
// a large file over a long path goes over several SFTP channels of the one logged-in Session, driven
// from the calling thread. The file is cut into runs dealt to the streams in turn, in file order; a
// download consumes the replies in that order (its .part and its hash grow as a prefix), an upload
// bounds how far any stream may run ahead of the oldest unacknowledged write (`kUploadFrontier`), which
// bounds the holes an interrupted upload can leave in the server's .part.
#include "remote/session.hpp"
#include "remote/ssh_handles.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::remote {

/// Bytes per SFTP request (OpenSSH's own sftp client's size; every server accepts it).
inline constexpr std::uint32_t kTransferChunk = 32 * 1024;
/// An upload keeps 64 × 32 KiB in flight per stream: OpenSSH's sshd opens a 2 MiB window per channel,
/// so more would only wait in the server's queue (OpenSSH's own sftp sends as many).
inline constexpr std::size_t kUploadRequests = 64;
/// libssh 0.10's receive window per channel: 1.28 MB, re-opened when it has fallen to half, which caps
/// one channel at ~0.64 MB per round trip.
inline constexpr std::uint32_t kLibsshWindow = 1'280'000;
/// The most ReceiveWindow keeps a download channel's window at.
inline constexpr std::uint32_t kMaxReceiveWindow = 8u << 20;
/// Requests dealt to one stream before the next stream's turn (256 KiB runs).
inline constexpr std::size_t kStreamRun = 8;
/// Files below this size always use one stream: the channels' set-up would cost more than it saves.
inline constexpr std::uint64_t kParallelMinBytes = 64ull << 20;
/// At most this many streams (OpenSSH's MaxSessions is 10 per connection by default, and a download
/// also runs the server's hash on a channel).
inline constexpr int kMaxStreams = 8;
/// An upload of at least kParallelMinBytes never has requests in flight beyond this distance from
/// its oldest unacknowledged write, so all of the server's .part below `size - kUploadFrontier`
/// is data that was acknowledged; resuming there is safe whatever the previous attempt's streams were.
inline constexpr std::uint64_t kUploadFrontier = 32ull << 20;

enum class Direction { upload, download };

/// The receive window a download channel keeps on a path of this round trip: the bandwidth-delay
/// product of ~256 MB/s, between kLibsshWindow and kMaxReceiveWindow. Not larger: replies that arrive
/// faster than they are collected pile up in libssh's channel buffer, and on loopback an 8 MiB window
/// made the download 4× slower (docs/BENCHMARKS.md).
[[nodiscard]] std::uint32_t receive_window(std::chrono::microseconds round_trip);

/// Requests in flight per stream: `requested` when above 0; else for an upload kUploadRequests, for a
/// download as many as fill `window` (at least kUploadRequests).
[[nodiscard]] std::size_t requests_per_stream(Direction direction, std::size_t requested,
                                              std::uint32_t window = kLibsshWindow);

/// Keeps an SSH channel's receive window at a size above libssh's own. libssh 0.10 has no call for
/// that, but a read of more than the window holds grows the window to the size asked for; the read
/// asks for the channel's stderr, which SFTP never uses, and does not wait, so no SFTP data is taken.
class ReceiveWindow {
public:
    explicit ReceiveWindow(std::uint32_t bytes);
    /// Tops `channel`'s window up to the size: one small message when it is below; nothing when the
    /// size is not above kLibsshWindow.
    Status top_up(ssh_channel channel);

private:
    std::uint32_t bytes_;
    std::unique_ptr<char[]> sink_; ///< `bytes_` bytes: what such a read may copy, never touched
};

/// How many streams to use: `requested` (a profile's `transfer_streams`) when it is above 0, else
/// enough channel windows per round trip for ~256 MB/s; always 1 below kParallelMinBytes.
[[nodiscard]] int choose_streams(Direction direction, std::uint64_t bytes,
                                 std::chrono::microseconds round_trip, int requested);

/// Where an upload continues, given the size of the server's .part: after a parallel upload the last
/// kUploadFrontier bytes may hold holes, so they are sent again (for files that can be parallel).
[[nodiscard]] std::uint64_t upload_resume_point(std::uint64_t part_size, std::uint64_t total);

/// The size of a remote file (nullopt: absent) and the time the stat took: one SFTP round trip.
struct TimedStat {
    std::optional<std::uint64_t> size;
    std::chrono::microseconds round_trip{0};
};
[[nodiscard]] TimedStat timed_file_size(sftp_session sftp, const std::string& path);

/// One stream: its SFTP session (empty for the caller's own) and the file open on it.
struct SftpStream {
    SftpHandle owned;
    sftp_session sftp = nullptr;
    SftpFileHandle file; ///< declared after `owned`: closed before its session is freed
};

/// Opens `path` on `first` and on up to `count - 1` further SFTP channels of `session`. A channel the
/// server refuses (its per-connection limit) ends the opening: the streams that opened are used.
/// The first open uses `flags`, the others `later_flags` (an upload truncates only once).
[[nodiscard]] Result<std::vector<SftpStream>> open_streams(Session& session, sftp_session first,
                                                           const std::string& path, int count, int flags,
                                                           int later_flags);

} // namespace sluice::remote
