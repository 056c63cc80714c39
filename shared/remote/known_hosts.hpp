#pragma once
// OpenSSH known_hosts files, read and written by us where libssh falls short: libssh skips `@revoked`
// lines (so a revoked key looked merely unknown) and always writes host names in clear, whatever
// `HashKnownHosts` says. Verification of ordinary entries stays with libssh.
// Format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): [@revoked|@cert-authority] hosts keytype base64 [comment]
// where hosts is a comma-separated list of patterns (*, ?, !negation, [host]:port) or one hashed name
// |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::remote {

struct KnownHostsEntry {
    enum class Marker { none, revoked, cert_authority };
    Marker marker = Marker::none;
    std::string hosts;             ///< as written: patterns or one |1|salt|hash
    std::string key_type;          ///< e.g. "ssh-ed25519"
    std::vector<std::uint8_t> key; ///< the decoded key blob
    int line = 0;                  ///< 1-based, for messages
};

/// Every well-formed entry; comments, blank and malformed lines are skipped (as ssh does), so a
/// hand-edited file never stops a login.
[[nodiscard]] std::vector<KnownHostsEntry> parse_known_hosts(std::string_view text);

/// Does `name` ("host" or "[host]:port", compared in lower case) match the entry's host list? Hashed
/// names are checked by HMAC; a matching negated pattern excludes the name whatever else matches.
[[nodiscard]] bool host_matches(std::string_view hosts, std::string_view name);

/// "|1|salt|hash" for `name` with a new random 20-byte salt, as `ssh-keygen -H` writes it.
[[nodiscard]] Result<std::string> hash_host_name(std::string_view name);
/// The same with a given salt (tests, fuzzing).
[[nodiscard]] std::string hash_host_name(std::string_view name, const std::vector<std::uint8_t>& salt);

/// Base64 as OpenSSH writes it (with padding); decode returns nothing for malformed text.
[[nodiscard]] std::string base64_encode(const std::vector<std::uint8_t>& bytes);
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

/// The `@revoked` entry of `files` that names `host` and holds `key`, if any. Missing files are fine;
/// unreadable ones are an error (a revocation must not be overlooked).
struct RevokedKey {
    std::filesystem::path file;
    int line = 0;
};
[[nodiscard]] Result<std::optional<RevokedKey>> find_revoked(const std::vector<std::filesystem::path>& files,
                                                             std::string_view host,
                                                             const std::vector<std::uint8_t>& key);

/// Append one line "hosts keytype base64" to `file` (created 0600, its directory 0700), on a new line
/// even when the file does not end with one.
[[nodiscard]] Status append_known_host(const std::filesystem::path& file, std::string_view hosts,
                                       std::string_view key_type, const std::vector<std::uint8_t>& key);

} // namespace sluice::remote
