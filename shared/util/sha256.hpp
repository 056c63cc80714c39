#pragma once
// Streaming SHA-256 (OpenSSL EVP) for source identity and transfer verification.
#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

namespace sluice {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(std::span<const std::byte> data);
    void update(std::string_view text);
    /// Lower-case hex digest; the object must not be updated afterwards.
    [[nodiscard]] std::string hex_digest();

private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

[[nodiscard]] std::string sha256_hex(std::string_view text);
[[nodiscard]] Result<std::string> sha256_file(const std::filesystem::path& path);

} // namespace sluice
