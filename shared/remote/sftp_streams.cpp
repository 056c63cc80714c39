#include "remote/sftp_streams.hpp"

#include "remote/sftp_channel.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <poll.h>

namespace sluice::remote {
namespace {

// Enough streams for this rate, where the path allows it.
constexpr double kTargetRate = 256e6;
// Bytes one upload channel moves per round trip: OpenSSH's sshd's 2 MB window (a download channel:
// its receive_window).
constexpr double kUploadWindow = 2.0e6;

double seconds(std::chrono::microseconds d) {
    return std::chrono::duration<double>(d).count();
}

/// Session channels with the sftp subsystem, `count` of them opened at once: libssh's non-blocking
/// mode sends every request before any answer is awaited, so this costs two round trips, not two per
/// channel. Channels the server refuses are left out.
std::vector<ChannelHandle> open_sftp_channels(ssh_session s, int count) {
    std::vector<ChannelHandle> channels;
    for (int i = 0; i < count; ++i)
        if (ChannelHandle c(ssh_channel_new(s)); c) channels.push_back(std::move(c));
    auto settle = [&](int (*step)(ssh_channel)) {
        std::vector<int> rc(channels.size(), SSH_AGAIN);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (bool again = true; again && std::chrono::steady_clock::now() < deadline;) {
            again = false;
            for (std::size_t i = 0; i < channels.size(); ++i) {
                if (rc[i] == SSH_AGAIN) rc[i] = step(channels[i].get());
                again = again || rc[i] == SSH_AGAIN;
            }
            if (pollfd p{ssh_get_fd(s), POLLIN, 0}; again) ::poll(&p, 1, 10);
        }
        std::vector<ChannelHandle> ok;
        for (std::size_t i = 0; i < channels.size(); ++i)
            if (rc[i] == SSH_OK) ok.push_back(std::move(channels[i]));
        channels = std::move(ok);
    };
    ssh_set_blocking(s, 0);
    settle([](ssh_channel c) { return ssh_channel_open_session(c); });
    settle([](ssh_channel c) { return ssh_channel_request_subsystem(c, "sftp"); });
    ssh_set_blocking(s, 1);
    return channels;
}

} // namespace

std::uint32_t receive_window(std::chrono::microseconds round_trip) {
    const double product = kTargetRate * seconds(round_trip);
    return static_cast<std::uint32_t>(
        std::clamp(product, static_cast<double>(kLibsshWindow), static_cast<double>(kMaxReceiveWindow)));
}

std::size_t requests_per_stream(Direction direction, std::size_t requested, std::uint32_t window) {
    if (requested > 0) return requested;
    if (direction == Direction::upload) return kUploadRequests;
    return std::max(kUploadRequests, std::size_t{window} / kTransferChunk);
}

// Not zero-filled: libssh copies into it only stderr data that arrived, which SFTP never sends.
ReceiveWindow::ReceiveWindow(std::uint32_t bytes)
    : bytes_(bytes), sink_(bytes > kLibsshWindow ? new char[bytes] : nullptr) {}

Status ReceiveWindow::top_up(ssh_channel channel) {
    if (!sink_) return {};
    // Timeout 0: handles what has arrived and returns; the read grows the window first.
    if (ssh_channel_read_timeout(channel, sink_.get(), bytes_, 1, 0) == SSH_ERROR)
        return fail(ErrorKind::io, "the SFTP channel was closed");
    return {};
}

int choose_streams(Direction direction, std::uint64_t bytes, std::chrono::microseconds round_trip,
                   int requested) {
    if (bytes < kParallelMinBytes) return 1;
    if (requested > 0) return std::min(requested, kMaxStreams);
    const double window = direction == Direction::download ? receive_window(round_trip) : kUploadWindow;
    const double wanted = std::ceil(kTargetRate * seconds(round_trip) / window);
    return static_cast<int>(std::clamp(wanted, 1.0, static_cast<double>(kMaxStreams)));
}

std::uint64_t upload_resume_point(std::uint64_t part_size, std::uint64_t total) {
    if (part_size > total) return 0;
    if (total < kParallelMinBytes) return part_size;
    return part_size > kUploadFrontier ? part_size - kUploadFrontier : 0;
}

TimedStat timed_file_size(sftp_session sftp, const std::string& path) {
    const auto start = std::chrono::steady_clock::now();
    TimedStat t;
    t.size = remote_file_size(sftp, path);
    t.round_trip =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    return t;
}

Result<std::vector<SftpStream>> open_streams(Session& session, sftp_session first, const std::string& path,
                                             int count, int flags, int later_flags) {
    std::vector<SftpStream> streams;
    // The server's limit on channels may refuse some: the transfer goes on with those that opened.
    auto channels = open_sftp_channels(session.raw(), std::max(count, 1) - 1);
    for (std::size_t i = 0; i <= channels.size(); ++i) {
        SftpStream s;
        if (i == 0) {
            s.sftp = first;
        } else {
            s.owned.reset(sftp_new_channel(session.raw(), channels[i - 1].get()));
            if (!s.owned) break;
            channels[i - 1].release(); // sftp_free closes and frees it
            s.sftp = s.owned.get();
            if (sftp_init(s.sftp) != SSH_OK) break;
        }
        s.file.reset(sftp_open(s.sftp, path.c_str(), i == 0 ? flags : later_flags, 0644));
        if (!s.file) {
            if (i > 0) break;
            return fail(ErrorKind::io,
                        fmt::format("cannot open {} on {}: {}", path, session.peer(), session.last_error()));
        }
        streams.push_back(std::move(s));
    }
    return streams;
}

} // namespace sluice::remote
