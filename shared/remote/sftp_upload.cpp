#include "remote/sftp_upload.hpp"

#include "remote/remote_checksum.hpp"
#include "remote/remote_script.hpp"
#include "remote/sftp_channel.hpp"
#include "remote/sftp_pipelined_writer.hpp"
#include "remote/sftp_streams.hpp"
#include "util/sha256.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

namespace sluice::remote {
namespace {

struct Prepared {
    bool present = false;                    ///< a copy with the known hash is already there
    std::optional<std::uint64_t> free_bytes; ///< on the target's file system; unknown without df
};

/// Before any data: create the parent directory, tell whether a copy with the expected hash is already
/// there, and how much space its file system has left (`df -P`: POSIX). Started before the SFTP channel
/// opens and awaited after (finish_prepare): the two take their round trips at the same time.
constexpr std::string_view kPrepareScript =
    "d=$(dirname -- \"$1\")\n"
    "mkdir -p -- \"$d\" || exit 1\n"
    "if [ -n \"$2\" ] && [ -f \"$1\" ] && "
    "[ \"$(sluice_sha256 \"$1\")\" = \"$2\" ]; then\n"
    "  echo present\n"
    "fi\n"
    "df -Pk -- \"$d\" 2>/dev/null | awk 'NR == 2 { print \"free \" $4 }'\n"
    "exit 0\n";

std::string prepare_script() {
    return std::string(sha256_shell_function()) + std::string(kPrepareScript);
}

std::optional<RemoteScript> start_prepare(Session& session, const std::string& remote,
                                          const std::string& known_sha256) {
    auto started = RemoteScript::start(session, prepare_script(), {remote, known_sha256}, Shell::plain);
    if (!started) return std::nullopt; // finish_prepare runs it again, and words the error
    return std::move(*started);
}

Result<Prepared> finish_prepare(Session& session, std::optional<RemoteScript>& started,
                                const std::string& remote, const std::string& known_sha256,
                                const RunLimits& limits) {
    auto r = started ? started->wait(limits) : Result<ScriptResult>(ScriptResult{});
    // Not started, or no bash there (127, nothing run): run_script knows the fallback.
    if (r && (!started || (r->exit_status == 127 && r->out.empty())))
        r = run_script(session, prepare_script(), {remote, known_sha256}, limits, Shell::plain);
    if (!r) return propagate(r);
    if (r->exit_status != 0)
        return fail(ErrorKind::io, fmt::format("cannot create the directory of {} on {}: {}", remote,
                                               session.peer(), r->err));
    Prepared p;
    std::istringstream lines(r->out);
    for (std::string word; lines >> word;) {
        if (word == "present") p.present = true;
        std::uint64_t kib = 0;
        if (word == "free" && lines >> kib) p.free_bytes = kib * 1024;
    }
    return p;
}

/// Verify `<remote>.part` against `sha256` on the server and rename it over `<remote>`.
/// Returns false (and leaves the files) when the server's hash differs.
Result<bool> verify_and_rename(Session& session, const std::string& remote, const std::string& sha256,
                               const RunLimits& limits) {
    const std::string script = std::string(sha256_shell_function()) +
                               "h=$(sluice_sha256 \"$1.part\") || exit 1\n"
                               "[ \"$h\" = \"$2\" ] || { printf '%s' \"$h\"; exit 3; }\n"
                               "mv -f -- \"$1.part\" \"$1\"\n";
    auto r = run_script(session, script, {remote, sha256}, limits, Shell::plain);
    if (!r) return propagate(r);
    if (r->exit_status == 3) return false;
    if (r->exit_status != 0)
        return fail(ErrorKind::io, fmt::format("cannot verify {} on {}: {}", remote, session.peer(), r->err));
    return true;
}

/// Hash the first `bytes` of the local file (the part a previous attempt sent) into `hash`.
Status hash_prefix(std::ifstream& in, std::uint64_t bytes, Sha256& hash, const std::filesystem::path& local) {
    std::vector<char> buf(std::size_t{kTransferChunk} * 8);
    while (bytes > 0) {
        const auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(bytes, buf.size()));
        if (!in.read(buf.data(), n))
            return fail(ErrorKind::io, fmt::format("cannot read {}", local.string()));
        hash.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        bytes -= static_cast<std::uint64_t>(n);
    }
    return {};
}

/// Wait for replies until no write in flight ends more than kUploadFrontier past the oldest one not
/// yet acknowledged (sftp_streams.hpp: this bounds the holes an interruption can leave).
Status keep_within_frontier(std::vector<std::unique_ptr<PipelinedWriter>>& writers, std::uint64_t end) {
    for (;;) {
        PipelinedWriter* oldest_writer = nullptr;
        std::uint64_t oldest = end;
        for (auto& w : writers)
            if (auto o = w->oldest_pending(); o && *o < oldest) {
                oldest = *o;
                oldest_writer = w.get();
            }
        if (!oldest_writer || end - oldest <= kUploadFrontier) return {};
        if (auto st = oldest_writer->wait_one(); !st) return st;
    }
}

/// Bytes from the start that the server has acknowledged: `sent` less what is still in flight.
std::uint64_t acknowledged(const std::vector<std::unique_ptr<PipelinedWriter>>& writers, std::uint64_t sent) {
    for (const auto& w : writers)
        if (auto o = w->oldest_pending(); o && *o < sent) sent = *o;
    return sent;
}

/// Send the local file from `offset` to `part` over up to `streams` SFTP channels (set to those that
/// opened), runs of kStreamRun requests dealt to them in turn, hashing in file order; returns the hex
/// digest.
Result<std::string> send(Session& session, sftp_session sftp, const std::filesystem::path& local,
                         const std::string& part, std::uint64_t offset, std::uint64_t total,
                         int& streams_used, const UploadOptions& options) {
    std::ifstream in(local, std::ios::binary);
    if (!in) return fail(ErrorKind::io, fmt::format("cannot open {}", local.string()));
    Sha256 hash;
    if (auto st = hash_prefix(in, offset, hash, local); !st) return propagate(st);

    const bool pipelined = options.pipelined && pipelined_writes_available();
    const int flags = offset == 0 ? O_WRONLY | O_CREAT | O_TRUNC : O_WRONLY;
    auto streams = open_streams(session, sftp, part, pipelined ? streams_used : 1, flags, O_WRONLY);
    if (!streams) return propagate(streams);
    streams_used = static_cast<int>(streams->size());
    sftp_file first = streams->front().file.get();
    if (sftp_seek64(first, offset) != 0)
        return fail(ErrorKind::io,
                    fmt::format("cannot open {} on {}: {}", part, session.peer(), session.last_error()));

    // Declared after `streams`: their replies must be collected before the files are closed.
    std::vector<std::unique_ptr<PipelinedWriter>> writers;
    if (pipelined)
        for (auto& s : *streams)
            writers.push_back(std::make_unique<PipelinedWriter>(
                s.sftp, s.file.get(), offset,
                requests_per_stream(Direction::upload, options.requests_in_flight)));
    auto write_failed = [&](const Error& e) {
        return fail(ErrorKind::io, fmt::format("writing {} on {}: {}", part, session.peer(), e.message));
    };

    std::vector<char> buf(kTransferChunk);
    std::size_t turn = 0, run = 0;
    // Progress counts what the server acknowledged (with many streams, megabytes may be in flight).
    std::uint64_t reported = offset;
    for (std::uint64_t done = offset; done < total;) {
        if (options.cancel.stop_requested())
            return fail(ErrorKind::cancelled,
                        fmt::format("upload of {} cancelled; {} bytes kept for resuming",
                                    local.filename().string(), done));
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(total - done, buf.size()));
        if (!in.read(buf.data(), static_cast<std::streamsize>(n)))
            return fail(ErrorKind::io, fmt::format("cannot read {}", local.string()));
        hash.update(std::string_view(buf.data(), n));
        if (!writers.empty()) {
            if (auto st = keep_within_frontier(writers, done + n); !st) return write_failed(st.error());
            auto& writer = *writers[turn];
            writer.seek(done);
            if (auto st = writer.write({buf.data(), n}); !st) return write_failed(st.error());
            if (++run == kStreamRun) {
                run = 0;
                turn = (turn + 1) % writers.size();
            }
        } else if (sftp_write(first, buf.data(), n) != static_cast<ssize_t>(n)) {
            return fail(ErrorKind::io,
                        fmt::format("writing {} on {} failed (SFTP error {}): {}", part, session.peer(),
                                    sftp_get_error(sftp), session.last_error()));
        }
        done += n;
        const std::uint64_t acked = acknowledged(writers, done);
        if (options.progress && acked > reported) options.progress(reported = acked, total);
    }
    for (auto& w : writers)
        if (auto st = w->finish(); !st) return write_failed(st.error());
    if (options.progress && total > reported) options.progress(total, total);
    return hash.hex_digest();
}

} // namespace

Result<UploadResult> upload_file(Session& session, const std::filesystem::path& local,
                                 const std::string& remote, const UploadOptions& options) {
    std::error_code ec;
    const std::uint64_t total = std::filesystem::file_size(local, ec);
    if (ec) return fail(ErrorKind::io, fmt::format("cannot read {}: {}", local.string(), ec.message()));

    // Both scripts may hash the whole file on the server.
    const RunLimits hash_limits{sha256_time_limit(total), options.cancel};
    const std::string known = options.known_sha256.value_or("");
    auto preparing = start_prepare(session, remote, known);
    // Meanwhile: the SFTP channel, and a stat of the .part (one SFTP round trip, which also measures the
    // path for choosing the streams). A new directory has no .part, whether or not it exists yet.
    auto sftp = open_sftp(session);
    const std::string part = remote + ".part";
    const auto stat = sftp ? timed_file_size(sftp->get(), part) : TimedStat{};
    auto prepared = finish_prepare(session, preparing, remote, known, hash_limits);
    if (!prepared) return propagate(prepared);
    if (prepared->present) return UploadResult{*options.known_sha256, total, total, 0, true};
    if (!sftp) return propagate(sftp);
    UploadResult result;
    result.bytes = total;
    std::uint64_t offset = upload_resume_point(stat.size.value_or(0), total);
    result.resumed_from = offset;
    result.streams = choose_streams(Direction::upload, total, stat.round_trip, options.streams);
    // Refuse now rather than fail with a full disk at the end (an old copy stays until the rename).
    if (prepared->free_bytes && *prepared->free_bytes < total - offset)
        return fail(ErrorKind::refused,
                    fmt::format("not enough free space on {} for {}: it needs {:.1f} MB, {:.1f} MB are free",
                                session.peer(), remote, static_cast<double>(total - offset) / 1e6,
                                static_cast<double>(*prepared->free_bytes) / 1e6));

    // A resumed .part whose beginning is not ours fails verification: start once more from zero.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto sha = send(session, sftp->get(), local, part, offset, total, result.streams, options);
        if (!sha) return propagate(sha);
        result.sent += total - offset;
        result.sha256 = *sha;
        auto verified = verify_and_rename(session, remote, *sha, hash_limits);
        if (!verified) return propagate(verified);
        if (*verified) return result;
        if (offset == 0) break;
        offset = 0;
    }
    return fail(ErrorKind::io,
                fmt::format("upload of {} to {} failed verification: the server's SHA-256 of the "
                            "file differs from the local {}",
                            local.string(), session.peer(), result.sha256));
}

} // namespace sluice::remote
