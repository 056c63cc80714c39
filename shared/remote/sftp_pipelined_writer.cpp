#include "remote/sftp_pipelined_writer.hpp"

#include <array>
#include <fmt/format.h>
#include <string>
#include <vector>

namespace sluice::remote {
namespace {

// OpenSSH accepts SFTP packets up to 256 KiB; the data must leave room for the request header.
constexpr std::size_t kMaxData = 255 * 1024;

void put_u32(std::vector<char>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_u64(std::vector<char>& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v));
}
std::uint32_t get_u32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Status read_exact(ssh_channel channel, char* dest, std::size_t n) {
    while (n > 0) {
        const int got = ssh_channel_read(channel, dest, static_cast<std::uint32_t>(n), 0);
        if (got <= 0) return fail(ErrorKind::io, "the SFTP channel closed during an upload");
        dest += got;
        n -= static_cast<std::size_t>(got);
    }
    return {};
}

Status write_exact(ssh_channel channel, const char* data, std::size_t n) {
    if (ssh_channel_write(channel, data, static_cast<std::uint32_t>(n)) != static_cast<int>(n))
        return fail(ErrorKind::io, "the SFTP channel closed during an upload");
    return {};
}

} // namespace

PipelinedWriter::PipelinedWriter(sftp_session sftp, sftp_file file, std::uint64_t offset,
                                 std::size_t in_flight)
    : sftp_(sftp), file_(file), offset_(offset), in_flight_(in_flight == 0 ? 1 : in_flight) {}

PipelinedWriter::~PipelinedWriter() {
    (void)finish();
}

Status PipelinedWriter::write(std::span<const char> data) {
    if (broken_) return fail(ErrorKind::io, "the SFTP channel is out of step after an earlier failure");
    if (data.size() > kMaxData) return fail(ErrorKind::internal, "SFTP write request too large");
    while (pending_.size() >= in_flight_)
        if (auto st = read_reply(); !st) return st;

    const std::uint32_t id = ++sftp_->id_counter;
    const auto handle_len = static_cast<std::uint32_t>(ssh_string_len(file_->handle));
    const auto* handle = static_cast<const char*>(ssh_string_data(file_->handle));
    // length, type, id, string handle, offset, string data
    std::vector<char> header;
    header.reserve(64 + handle_len);
    put_u32(header, static_cast<std::uint32_t>(1 + 4 + 4 + handle_len + 8 + 4 + data.size()));
    header.push_back(static_cast<char>(SSH_FXP_WRITE));
    put_u32(header, id);
    put_u32(header, handle_len);
    header.insert(header.end(), handle, handle + handle_len);
    put_u64(header, offset_);
    put_u32(header, static_cast<std::uint32_t>(data.size()));
    Status st = write_exact(sftp_->channel, header.data(), header.size());
    if (st) st = write_exact(sftp_->channel, data.data(), data.size());
    if (!st) {
        broken_ = true;
        return st;
    }
    pending_.emplace(id, offset_);
    offset_ += data.size();
    return {};
}

Status PipelinedWriter::read_reply() {
    std::array<char, 4> len_buf{};
    Status st = read_exact(sftp_->channel, len_buf.data(), len_buf.size());
    const std::uint32_t len = st ? get_u32(reinterpret_cast<const unsigned char*>(len_buf.data())) : 0;
    // A STATUS reply is type + id + code + two short strings; anything huge means we are out of step.
    if (st && (len < 9 || len > 64 * 1024))
        st = fail(ErrorKind::io, "unexpected SFTP reply during an upload");
    std::vector<char> body(len);
    if (st) st = read_exact(sftp_->channel, body.data(), body.size());
    if (!st) {
        broken_ = true;
        pending_.clear();
        return st;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    const std::uint32_t id = get_u32(p + 1);
    if (p[0] != SSH_FXP_STATUS || pending_.erase(id) == 0) {
        broken_ = true;
        pending_.clear();
        return fail(ErrorKind::io,
                    fmt::format("unexpected SFTP reply (type {}, id {}) during an upload", p[0], id));
    }
    const std::uint32_t code = len >= 9 ? get_u32(p + 5) : SSH_FX_FAILURE;
    if (code == SSH_FX_OK) return {};
    std::string message;
    if (len >= 13) {
        const std::uint32_t mlen = get_u32(p + 9);
        if (13 + std::size_t{mlen} <= len) message.assign(body.data() + 13, mlen);
    }
    return fail(ErrorKind::io, fmt::format("the server refused an SFTP write (status {}{}{})", code,
                                           message.empty() ? "" : ": ", message));
}

std::optional<std::uint64_t> PipelinedWriter::oldest_pending() const {
    std::optional<std::uint64_t> oldest;
    for (const auto& [id, offset] : pending_)
        if (!oldest || offset < *oldest) oldest = offset;
    return oldest;
}

Status PipelinedWriter::finish() {
    Status first;
    while (!pending_.empty() && !broken_) {
        auto st = read_reply();
        if (!st && first) first = st;
    }
    if (broken_ && first) return fail(ErrorKind::io, "the SFTP channel broke during an upload");
    return first;
}

} // namespace sluice::remote
