#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace sluice {
namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

std::string errno_text() { return std::strerror(errno); }

} // namespace

Status fsync_path(const std::filesystem::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return fail(ErrorKind::io, fmt::format("cannot open {}: {}", path.string(), errno_text()));
    if (::fsync(fd.get()) != 0 && errno != EINVAL)
        return fail(ErrorKind::io, fmt::format("fsync {}: {}", path.string(), errno_text()));
    return {};
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    Fd fd(::mkstemp(tmpl.data()));
    if (fd.get() < 0)
        return fail(ErrorKind::io, fmt::format("cannot create a temporary file in {}: {}", dir.string(), errno_text()));
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        const ssize_t n = ::write(fd.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            const auto msg = fmt::format("cannot write {}: {}", tmpl, errno_text());
            ::unlink(tmpl.c_str());
            return fail(ErrorKind::io, msg);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    ::fchmod(fd.get(), 0644);
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
        const auto msg = fmt::format("cannot flush {}: {}", tmpl, errno_text());
        ::unlink(tmpl.c_str());
        return fail(ErrorKind::io, msg);
    }
    if (std::rename(tmpl.c_str(), path.c_str()) != 0) {
        const auto msg = fmt::format("cannot rename {} to {}: {}", tmpl, path.string(), errno_text());
        ::unlink(tmpl.c_str());
        return fail(ErrorKind::io, msg);
    }
    return fsync_path(dir);
}

} // namespace sluice
