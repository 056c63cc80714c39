#include "util/sha256.hpp"

#include <array>
#include <fmt/format.h>
#include <fstream>
#include <new>
#include <openssl/evp.h>

namespace sluice {

struct Sha256::Ctx {
    struct Free {
        void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> md{EVP_MD_CTX_new()};
};

// With OpenSSL's built-in SHA-256 only an allocation can fail here, so it fails as every allocation in
// C++ does (std::bad_alloc), not as a Result every caller would have to carry.
Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr) != 1) throw std::bad_alloc();
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::byte> data) {
    EVP_DigestUpdate(ctx_->md.get(), data.data(), data.size());
}

void Sha256::update(std::string_view text) {
    EVP_DigestUpdate(ctx_->md.get(), text.data(), text.size());
}

std::string Sha256::hex_digest() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_->md.get(), md.data(), &len);
    std::string hex;
    hex.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i)
        hex += fmt::format("{:02x}", md[i]);
    return hex;
}

std::string sha256_hex(std::string_view text) {
    Sha256 h;
    h.update(text);
    return h.hex_digest();
}

Result<std::string> sha256_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ErrorKind::io, fmt::format("cannot open {} for reading", path.string()));
    Sha256 h;
    std::array<char, 1 << 16> buf{};
    while (in) {
        in.read(buf.data(), buf.size());
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n > 0) h.update(std::as_bytes(std::span(buf.data(), n)));
    }
    if (in.bad()) return fail(ErrorKind::io, fmt::format("read error in {}", path.string()));
    return h.hex_digest();
}

} // namespace sluice
