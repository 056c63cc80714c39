#pragma once
// RAII for POSIX file descriptors, and the EINTR-safe "write everything" loop that goes with them.
#include "util/error.hpp"

#include <filesystem>
#include <string_view>
#include <utility>

namespace sluice {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }
    /// Give up ownership (e.g. to close() it yourself and check the result).
    int release() { return std::exchange(fd_, -1); }
    void reset();

private:
    int fd_ = -1;
};

/// write(2) until every byte is written, retrying on EINTR; `path` only names the file in the error.
[[nodiscard]] Status write_all(int fd, std::string_view data, const std::filesystem::path& path);

} // namespace sluice
