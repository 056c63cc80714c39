#include "remote/sftp_download.hpp"

#include "remote/remote_checksum.hpp"
#include "remote/sftp_channel.hpp"
#include "remote/sftp_streams.hpp"
#include "util/atomic_file.hpp"
#include "util/memory_budget.hpp"
#include "util/sha256.hpp"
#include "util/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fmt/format.h>
#include <optional>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

namespace sluice::remote {
namespace {

// Bytes between write-back requests for the .part (see `keep` in receive()).
constexpr std::uint64_t kWriteBackRun = 8u << 20;

// The first `bytes` of the open .part, for resuming the hash where the transfer resumes.
Status hash_file_prefix(int fd, const std::filesystem::path& path, std::uint64_t bytes, Sha256& hash) {
    std::vector<char> buf(1 << 20);
    for (std::uint64_t at = 0; at < bytes;) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - at, buf.size()));
        const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(ErrorKind::io, fmt::format("cannot read {}", path.string()));
        hash.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        at += static_cast<std::uint64_t>(n);
    }
    return {};
}

// The .part file, opened without following a link: a link planted there would otherwise have the
// download written through it into some other file.
Result<UniqueFd> open_part(const std::filesystem::path& part) {
    UniqueFd fd(::open(part.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid() && errno == ELOOP)
        return fail(ErrorKind::refused, fmt::format("{} is a symbolic link; remove it (Sluice does not write "
                                                    "through links)",
                                                    part.string()));
    if (!fd.valid())
        return fail(ErrorKind::io, fmt::format("cannot write {}: {}", part.string(), std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(ErrorKind::refused, fmt::format("{} is not a regular file; remove it", part.string()));
    return fd;
}

/// Outstanding read requests over all streams, in file order: each stream answers its own in the
/// order they were sent, so waiting for the oldest keeps the .part and the hash a growing prefix.
/// libssh keeps every answer until it is collected, so whatever is still in flight when we stop early
/// is collected and dropped.
class ReadQueue {
public:
    explicit ReadQueue(std::vector<SftpStream>& streams) : streams_(streams) {}
    ~ReadQueue() {
        std::vector<char> sink(kTransferChunk);
        for (const auto& r : pending_)
            sftp_async_read(file(r), sink.data(), kTransferChunk, r.id);
    }
    ReadQueue(const ReadQueue&) = delete;
    ReadQueue& operator=(const ReadQueue&) = delete;

    struct Request {
        std::size_t stream;
        std::uint32_t id;
        std::uint32_t len;
        std::uint64_t offset;
    };
    [[nodiscard]] sftp_file file(const Request& r) const { return streams_[r.stream].file.get(); }
    std::deque<Request> pending_;

private:
    std::vector<SftpStream>& streams_;
};

/// Read [offset, total) over `streams` into fd, hashing it. Returns the bytes received.
Result<std::uint64_t> receive(Session& session, std::vector<SftpStream>& streams, int fd,
                              const std::filesystem::path& part, std::uint64_t offset, std::uint64_t total,
                              std::chrono::microseconds round_trip, Sha256& hash,
                              const DownloadOptions& options) {
    ReadQueue queue(streams);
    std::uint64_t requested = offset, done = offset;
    // Without it, one channel would carry ~0.64 MB per round trip (sftp_streams.hpp).
    ReceiveWindow window(receive_window(round_trip));
    const std::size_t in_flight =
        requests_per_stream(Direction::download, options.requests_in_flight, receive_window(round_trip)) *
        streams.size();
    for (auto& s : streams)
        if (auto st = window.top_up(s.sftp->channel); !st) return propagate(st);
    std::size_t consumed = 0;
    std::size_t turn = 0, run = 0;
    std::vector<char> buf(kTransferChunk);
    auto read_failed = [&] {
        return fail(ErrorKind::io,
                    fmt::format("SFTP read from {} failed: {}", session.peer(), session.last_error()));
    };
    std::uint64_t written_back = offset;
    auto keep = [&](std::size_t n) -> Status {
        hash.update(std::string_view(buf.data(), n));
        if (auto st = write_all(fd, std::string_view(buf.data(), n), part); !st) return st;
        done += n;
        // Start writing back as the data comes, so that the fsync before the rename has little left
        // to wait for (without it, 200 MB took 0.15 to 0.2 s to flush at the end on the benchmark machine).
        if (done - written_back >= kWriteBackRun) {
            ::sync_file_range(fd, static_cast<off_t>(written_back), static_cast<off_t>(done - written_back),
                              SYNC_FILE_RANGE_WRITE);
            written_back = done;
        }
        return {};
    };
    while (done < total) {
        if (options.cancel.stop_requested())
            return fail(
                ErrorKind::cancelled,
                fmt::format("download of {} cancelled; {} bytes kept for resuming", part.string(), done));
        while (queue.pending_.size() < in_flight && requested < total) {
            const auto len =
                static_cast<std::uint32_t>(std::min<std::uint64_t>(kTransferChunk, total - requested));
            sftp_file file = streams[turn].file.get();
            const int id = sftp_seek64(file, requested) == 0 ? sftp_async_read_begin(file, len) : -1;
            if (id < 0)
                return fail(ErrorKind::io, fmt::format("SFTP read request to {} failed", session.peer()));
            queue.pending_.push_back({turn, static_cast<std::uint32_t>(id), len, requested});
            requested += len;
            if (++run == kStreamRun) {
                run = 0;
                turn = (turn + 1) % streams.size();
            }
        }
        const auto request = queue.pending_.front();
        queue.pending_.pop_front();
        const int n = sftp_async_read(queue.file(request), buf.data(), kTransferChunk, request.id);
        if (n < 0) return read_failed();
        if (n == 0) return fail(ErrorKind::io, "the remote file became shorter while it was read");
        if (auto st = keep(static_cast<std::size_t>(n)); !st) return propagate(st);
        // A short read (allowed by the protocol, rare on files): the rest of this request is read at
        // once, on its own stream, before the answers that follow it.
        for (auto at = request.offset + static_cast<std::uint64_t>(n); at < request.offset + request.len;) {
            sftp_file file = queue.file(request);
            const auto want = static_cast<std::size_t>(request.offset + request.len - at);
            const ssize_t more = sftp_seek64(file, at) == 0 ? sftp_read(file, buf.data(), want) : -1;
            if (more < 0) return read_failed();
            if (more == 0) return fail(ErrorKind::io, "the remote file became shorter while it was read");
            if (auto st = keep(static_cast<std::size_t>(more)); !st) return propagate(st);
            at += static_cast<std::uint64_t>(more);
        }
        // Every run of kStreamRun replies ends on one stream: the window of that stream is topped up.
        if (++consumed % kStreamRun == 0)
            if (auto st = window.top_up(streams[request.stream].sftp->channel); !st) return read_failed();
        if (options.progress) options.progress(done, total);
    }
    return done - offset;
}

} // namespace

Result<DownloadResult> download_file(Session& session, const std::string& remote,
                                     const std::filesystem::path& local, const DownloadOptions& options) {
    auto sftp = open_sftp(session);
    if (!sftp) return propagate(sftp);
    // The stat is one SFTP round trip: it measures the path for choosing the streams.
    const auto stat = timed_file_size(sftp->get(), remote);
    const auto total = stat.size;
    if (!total) return fail(ErrorKind::io, fmt::format("{} on {} cannot be read", remote, session.peer()));
    // Without a known hash the server computes one while we read the file, at no extra time.
    std::string expected = options.expected_sha256.value_or("");
    std::optional<RemoteScript> hashing;
    if (!options.expected_sha256) {
        auto started = start_remote_sha256(session, remote);
        if (!started) return propagate(started);
        hashing.emplace(std::move(*started));
    }

    const std::filesystem::path part = local.string() + ".part";
    // Refused before any data, like an upload to a full scratch, instead of failing hours in.
    std::error_code ec;
    const auto have = std::filesystem::exists(part, ec) ? std::filesystem::file_size(part, ec) : 0;
    const auto dir = local.has_parent_path() ? local.parent_path() : std::filesystem::path(".");
    if (struct statvfs vfs{}; ::statvfs(dir.c_str(), &vfs) == 0 && have <= *total) {
        const auto avail = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        if (avail < *total - have)
            return fail(ErrorKind::refused,
                        fmt::format("not enough free space for {}: {} more are needed, {} are free",
                                    local.string(), human_bytes(*total - have), human_bytes(avail)));
    }
    auto fd = open_part(part);
    if (!fd) return propagate(fd);
    struct stat part_stat {};
    ::fstat(fd->get(), &part_stat);
    std::uint64_t offset = static_cast<std::uint64_t>(part_stat.st_size);
    if (offset > *total) offset = 0;
    DownloadResult result;
    result.bytes = *total;
    result.resumed_from = offset;
    result.streams = choose_streams(Direction::download, *total, stat.round_trip, options.streams);

    // A resumed .part that is not the beginning of this file fails the hash: start once more from zero.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto streams = open_streams(session, sftp->get(), remote, result.streams, O_RDONLY, O_RDONLY);
        if (!streams) return propagate(streams);
        result.streams = static_cast<int>(streams->size());
        if (::ftruncate(fd->get(), static_cast<off_t>(offset)) != 0 ||
            ::lseek(fd->get(), static_cast<off_t>(offset), SEEK_SET) < 0)
            return fail(ErrorKind::io,
                        fmt::format("cannot write {}: {}", part.string(), std::strerror(errno)));
        Sha256 hash;
        if (auto st = hash_file_prefix(fd->get(), part, offset, hash); !st) return propagate(st);
        auto got =
            receive(session, *streams, fd->get(), part, offset, *total, stat.round_trip, hash, options);
        if (!got) return propagate(got);
        result.received += *got;
        result.sha256 = hash.hex_digest();
        if (hashing) {
            auto h =
                finish_remote_sha256(session, *hashing, remote, {sha256_time_limit(*total), options.cancel});
            hashing.reset();
            if (!h) return propagate(h);
            expected = *h;
        }
        if (result.sha256 == expected) {
            if (::fsync(fd->get()) != 0)
                return fail(ErrorKind::io,
                            fmt::format("cannot flush {}: {}", part.string(), std::strerror(errno)));
            if (auto st = rename_no_replace(part, local); !st) {
                if (st.error().kind != ErrorKind::refused) return propagate(st);
                return fail(ErrorKind::refused,
                            fmt::format("{} appeared while the result was downloaded; the "
                                        "verified result is kept as {}",
                                        local.string(), part.string()));
            }
            return result;
        }
        if (offset == 0) break;
        offset = 0;
    }
    return fail(ErrorKind::io,
                fmt::format("download of {} from {} failed verification: SHA-256 {} instead of {}", remote,
                            session.peer(), result.sha256, expected));
}

} // namespace sluice::remote
