#pragma once
// Pipelined SFTP writes (DESIGN §6). libssh 0.10's sftp_write waits for each reply, which caps uploads
// at one chunk per round trip. This writer sends many SSH_FXP_WRITE requests before reading their
// SSH_FXP_STATUS replies, straight on the SFTP channel. libssh (Debian's 0.10.6-0+deb12u3) rejects
// replies to request ids it did not issue, so the writer reads and parses its own replies, and while it
// owns the file no other SFTP call may run on that sftp_session. Request ids come from the session's
// own counter, so later libssh requests never reuse one of ours.
#include "remote/ssh_handles.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

namespace sluice::remote {

/// Whether this libssh's public SFTP structures are the ones the writer was built against (0.10).
[[nodiscard]] constexpr bool pipelined_writes_available() {
#if LIBSSH_VERSION_MAJOR == 0 && LIBSSH_VERSION_MINOR == 10
    return true;
#else
    return false;
#endif
}

class PipelinedWriter {
public:
    PipelinedWriter(sftp_session sftp, sftp_file file, std::uint64_t offset, std::size_t in_flight = 64);
    /// Collects the replies still outstanding, so the channel stays usable after an early return.
    ~PipelinedWriter();
    PipelinedWriter(const PipelinedWriter&) = delete;
    PipelinedWriter& operator=(const PipelinedWriter&) = delete;

    /// Send `data` (at most 255 KiB) at the current offset; waits for a reply only when the window is full.
    [[nodiscard]] Status write(std::span<const char> data);
    /// The next write goes to `offset` (parallel streams write interleaved runs of one file).
    void seek(std::uint64_t offset) { offset_ = offset; }
    /// The lowest offset of a write not yet acknowledged; nullopt when none is.
    [[nodiscard]] std::optional<std::uint64_t> oldest_pending() const;
    /// Wait for one reply (at least one write must be pending).
    [[nodiscard]] Status wait_one() { return read_reply(); }
    /// Wait for every reply; the first failure the server reported is returned.
    [[nodiscard]] Status finish();

private:
    Status read_reply();
    sftp_session sftp_;
    sftp_file file_;
    std::uint64_t offset_;
    std::size_t in_flight_;
    std::unordered_map<std::uint32_t, std::uint64_t> pending_; ///< request id → offset
    bool broken_ = false;
};

} // namespace sluice::remote
