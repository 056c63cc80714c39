#include "remote/known_hosts.hpp"

#include "util/unique_fd.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace sluice::remote {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t sha1_size = 20;

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// Splits off the next blank-separated word of `rest`.
std::string_view next_word(std::string_view& rest) {
    std::size_t i = 0;
    while (i < rest.size() && is_space(rest[i]))
        ++i;
    std::size_t j = i;
    while (j < rest.size() && !is_space(rest[j]))
        ++j;
    const auto word = rest.substr(i, j - i);
    rest.remove_prefix(j);
    return word;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// OpenSSH's wildcards: * any run, ? one character. Iterative with one backtrack point, so hostile
// patterns ("*a*a*a*b") cost O(pattern × name), not exponential time.
bool glob(std::string_view pattern, std::string_view name) {
    std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
    while (n < name.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
            ++p, ++n;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

std::vector<std::uint8_t> hmac_sha1(const std::vector<std::uint8_t>& key, std::string_view data) {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size))
        return {};
    out.resize(size);
    return out;
}

// |1|salt|hash against `name`.
bool hashed_matches(std::string_view hosts, std::string_view name) {
    constexpr std::string_view magic = "|1|";
    if (!hosts.starts_with(magic)) return false;
    hosts.remove_prefix(magic.size());
    const auto bar = hosts.find('|');
    if (bar == std::string_view::npos) return false;
    const auto salt = base64_decode(hosts.substr(0, bar));
    const auto hash = base64_decode(hosts.substr(bar + 1));
    if (!salt || !hash || salt->size() != sha1_size || hash->size() != sha1_size) return false;
    return hmac_sha1(*salt, name) == *hash;
}

Result<std::string> read_text(const std::filesystem::path& file, bool* missing) {
    std::error_code ec;
    *missing = !std::filesystem::exists(file, ec);
    if (*missing) return std::string();
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in && !in.eof())
        return fail(ErrorKind::io, fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
    return s.str();
}

} // namespace

std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t b0 = bytes[i];
        const std::uint32_t b1 = i + 1 < bytes.size() ? bytes[i + 1] : 0;
        const std::uint32_t b2 = i + 2 < bytes.size() ? bytes[i + 2] : 0;
        const std::uint32_t v = b0 << 16 | b1 << 8 | b2;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += i + 1 < bytes.size() ? alphabet[v >> 6 & 63] : '=';
        out += i + 2 < bytes.size() ? alphabet[v & 63] : '=';
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t v = 0;
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=') {
                // Padding only in the last group's last two places, and nothing but padding after it.
                if (i + 4 != text.size() || k < 2) return std::nullopt;
                ++pad;
                v <<= 6;
                continue;
            }
            if (pad > 0) return std::nullopt;
            const auto d = alphabet.find(c);
            if (d == std::string_view::npos) return std::nullopt;
            v = v << 6 | static_cast<std::uint32_t>(d);
        }
        out.push_back(static_cast<std::uint8_t>(v >> 16));
        if (pad < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
        if (pad < 1) out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

std::vector<KnownHostsEntry> parse_known_hosts(std::string_view text) {
    std::vector<KnownHostsEntry> entries;
    int line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto eol = text.find('\n');
        std::string_view rest = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);

        KnownHostsEntry e;
        e.line = line_no;
        auto word = next_word(rest);
        if (word.empty() || word.front() == '#') continue;
        if (word.front() == '@') {
            if (word == "@revoked") {
                e.marker = KnownHostsEntry::Marker::revoked;
            } else if (word == "@cert-authority") {
                e.marker = KnownHostsEntry::Marker::cert_authority;
            } else {
                continue; // a marker ssh does not know: ssh skips the line too
            }
            word = next_word(rest);
        }
        const auto type = next_word(rest);
        auto key = base64_decode(next_word(rest));
        if (word.empty() || type.empty() || !key || key->empty()) continue;
        e.hosts = word;
        e.key_type = type;
        e.key = std::move(*key);
        entries.push_back(std::move(e));
    }
    return entries;
}

bool host_matches(std::string_view hosts, std::string_view name) {
    if (hosts.starts_with("|")) return hashed_matches(hosts, lower(name));
    const std::string wanted = lower(name);
    bool matched = false;
    while (!hosts.empty()) {
        const auto comma = hosts.find(',');
        std::string_view pattern = hosts.substr(0, comma);
        hosts.remove_prefix(comma == std::string_view::npos ? hosts.size() : comma + 1);
        const bool negated = pattern.starts_with('!');
        if (negated) pattern.remove_prefix(1);
        if (!glob(lower(pattern), wanted)) continue;
        if (negated) return false;
        matched = true;
    }
    return matched;
}

std::string hash_host_name(std::string_view name, const std::vector<std::uint8_t>& salt) {
    return fmt::format("|1|{}|{}", base64_encode(salt), base64_encode(hmac_sha1(salt, lower(name))));
}

Result<std::string> hash_host_name(std::string_view name) {
    std::vector<std::uint8_t> salt(sha1_size);
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        return fail(ErrorKind::internal, "cannot draw a random salt for a hashed known_hosts entry");
    return hash_host_name(name, salt);
}

Result<std::optional<RevokedKey>> find_revoked(const std::vector<std::filesystem::path>& files,
                                               std::string_view host, const std::vector<std::uint8_t>& key) {
    for (const auto& file : files) {
        if (file.empty()) continue;
        bool missing = false;
        auto text = read_text(file, &missing);
        if (!text) return propagate(text);
        for (const auto& e : parse_known_hosts(*text))
            if (e.marker == KnownHostsEntry::Marker::revoked && e.key == key && host_matches(e.hosts, host))
                return RevokedKey{file, e.line};
    }
    return std::nullopt;
}

Status append_known_host(const std::filesystem::path& file, std::string_view hosts, std::string_view key_type,
                         const std::vector<std::uint8_t>& key) {
    const auto dir = file.parent_path();
    if (!dir.empty() && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return fail(ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno)));
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid())
        return fail(ErrorKind::io, fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
    std::string line;
    char last = '\n';
    if (const auto end = ::lseek(fd.get(), 0, SEEK_END); end > 0 && ::pread(fd.get(), &last, 1, end - 1) != 1)
        last = '\n';
    if (last != '\n') line += '\n';
    line += fmt::format("{} {} {}\n", hosts, key_type, base64_encode(key));
    if (auto st = write_all(fd.get(), line, file); !st) return st;
    if (::close(fd.release()) != 0)
        return fail(ErrorKind::io, fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
    return {};
}

} // namespace sluice::remote
