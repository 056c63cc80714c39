#include "remote/sftp_channel.hpp"

#include <fmt/format.h>

namespace sluice::remote {

Result<SftpHandle> open_sftp(Session& session) {
    SftpHandle sftp(sftp_new(session.raw()));
    if (!sftp)
        return fail(ErrorKind::io,
                    fmt::format("cannot start SFTP on {}: {}", session.peer(), session.last_error()));
    if (sftp_init(sftp.get()) != SSH_OK)
        return fail(ErrorKind::io, fmt::format("the SFTP server on {} does not answer: {}", session.peer(),
                                               session.last_error()));
    return sftp;
}

std::optional<std::uint64_t> remote_file_size(sftp_session sftp, const std::string& path) {
    SftpAttributes attrs(sftp_stat(sftp, path.c_str()));
    if (!attrs) return std::nullopt;
    return attrs->size;
}

} // namespace sluice::remote
