#include "util/atomic_file.hpp"

#include "util/unique_fd.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

} // namespace

Status fsync_path(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return fail(ErrorKind::io, fmt::format("cannot open {}: {}", path.string(), errno_text()));
    if (::fsync(fd.get()) != 0 && errno != EINVAL)
        return fail(ErrorKind::io, fmt::format("fsync {}: {}", path.string(), errno_text()));
    return {};
}

Status rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
    int rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) { // a file system without it: link never replaces
        rc = ::link(from.c_str(), to.c_str());
        if (rc == 0) ::unlink(from.c_str());
    }
    if (rc == 0) return {};
    if (errno == EEXIST)
        return fail(ErrorKind::refused, fmt::format("{} appeared meanwhile; the new file is kept as {}",
                                                    to.string(), from.string()));
    return fail(ErrorKind::io,
                fmt::format("cannot rename {} to {}: {}", from.string(), to.string(), errno_text()));
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    UniqueFd fd(::mkstemp(tmpl.data()));
    if (fd.get() < 0)
        return fail(ErrorKind::io,
                    fmt::format("cannot create a temporary file in {}: {}", dir.string(), errno_text()));
    if (auto st = write_all(fd.get(), content, tmpl); !st) {
        ::unlink(tmpl.c_str());
        return st;
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
