#include "util/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace sluice {

void UniqueFd::reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return fail(ErrorKind::io,
                        fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

} // namespace sluice
