#include "remote/sftp_streams.hpp"

#include "remote/sftp_channel.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace sluice::remote {
namespace {

// Bytes one channel moves per round trip (docs/BENCHMARKS.md, "Transfer at emulated latency"):
// libssh 0.10 re-opens its 1.28 MB receive window at half; OpenSSH's sshd offers a 2 MB window.
constexpr double kDownloadWindow = 0.64e6;
constexpr double kUploadWindow = 2.0e6;
// Enough streams for this rate, where the path allows it.
constexpr double kTargetRate = 256e6;

} // namespace

int choose_streams(Direction direction, std::uint64_t bytes, std::chrono::microseconds round_trip,
                   int requested) {
    if (bytes < kParallelMinBytes) return 1;
    if (requested > 0) return std::min(requested, kMaxStreams);
    const double window = direction == Direction::download ? kDownloadWindow : kUploadWindow;
    const double seconds = std::chrono::duration<double>(round_trip).count();
    const double wanted = std::ceil(kTargetRate * seconds / window);
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
    streams.reserve(static_cast<std::size_t>(std::max(count, 1)));
    for (int i = 0; i < std::max(count, 1); ++i) {
        SftpStream s;
        if (i == 0) {
            s.sftp = first;
        } else {
            auto extra = open_sftp(session);
            if (!extra) break; // the server's limit on channels: go on with those that opened
            s.owned = std::move(*extra);
            s.sftp = s.owned.get();
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
