#include "remote/host_key.hpp"

#include "remote/hash_known_hosts.hpp"
#include "remote/known_hosts.hpp"

#include <fmt/format.h>

namespace sluice::remote {
namespace {

std::string option_string(ssh_session session, ssh_options_e option) {
    char* value = nullptr;
    if (ssh_options_get(session, option, &value) != SSH_OK || value == nullptr) return {};
    CString owner(value);
    return value;
}

/// The name known_hosts files use: "host" on port 22, "[host]:port" otherwise.
std::string known_hosts_name(ssh_session session, int* port_out) {
    unsigned int port = 22;
    ssh_options_get_port(session, &port);
    if (port_out) *port_out = static_cast<int>(port);
    const std::string host = option_string(session, SSH_OPTIONS_HOST);
    return port == 22 ? host : fmt::format("[{}]:{}", host, port);
}

// The server's key as known_hosts holds it: the decoded blob of `ssh-keygen -y`'s second field.
Result<std::vector<std::uint8_t>> server_key_blob(ssh_session session) {
    ssh_key raw_key = nullptr;
    if (ssh_get_server_publickey(session, &raw_key) != SSH_OK)
        return fail(ErrorKind::io,
                    fmt::format("cannot read the server's host key: {}", ssh_get_error(session)));
    KeyHandle key(raw_key);
    char* raw_base64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &raw_base64) != SSH_OK || raw_base64 == nullptr)
        return fail(ErrorKind::internal, "cannot encode the server's host key");
    CString base64(raw_base64);
    auto blob = base64_decode(base64.get());
    if (!blob) return fail(ErrorKind::internal, "libssh encoded the server's host key as invalid base64");
    return std::move(*blob);
}

// Unknown and trusted by the user: stored as `ssh` would, hashed if HashKnownHosts says so.
Status store_host_key(ssh_session session, const SessionOptions& options, const std::string& name,
                      const std::string& key_type, const std::vector<std::uint8_t>& blob,
                      const std::string& file) {
    if (!hash_known_hosts(options)) {
        if (ssh_session_update_known_hosts(session) != SSH_OK)
            return fail(ErrorKind::io, fmt::format("cannot store the host key of {} in {}: {}", name, file,
                                                   ssh_get_error(session)));
        return {};
    }
    auto hashed = hash_host_name(name);
    if (!hashed) return propagate(hashed);
    if (auto st = append_known_host(file, *hashed, key_type, blob); !st)
        return std::unexpected(st.error().context(fmt::format("storing the host key of {}", name)));
    return {};
}

} // namespace

Result<std::string> server_key_fingerprint(ssh_session session, std::string* key_type) {
    ssh_key raw_key = nullptr;
    if (ssh_get_server_publickey(session, &raw_key) != SSH_OK)
        return fail(ErrorKind::io,
                    fmt::format("cannot read the server's host key: {}", ssh_get_error(session)));
    KeyHandle key(raw_key);
    if (key_type) *key_type = ssh_key_type_to_char(ssh_key_type(key.get()));
    unsigned char* hash = nullptr;
    size_t hash_len = 0;
    if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len) != 0)
        return fail(ErrorKind::internal, "cannot hash the server's host key");
    CString fingerprint(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_len));
    ssh_clean_pubkey_hash(&hash);
    if (!fingerprint) return fail(ErrorKind::internal, "cannot format the host key fingerprint");
    return std::string(fingerprint.get());
}

Status verify_host_key(ssh_session session, const SessionOptions& options,
                       const SessionCallbacks& callbacks) {
    std::string key_type;
    auto fingerprint = server_key_fingerprint(session, &key_type);
    if (!fingerprint) return propagate(fingerprint);
    auto blob = server_key_blob(session);
    if (!blob) return propagate(blob);
    int port = 22;
    const std::string name = known_hosts_name(session, &port);
    const std::string file = option_string(session, SSH_OPTIONS_KNOWNHOSTS);

    // libssh skips @revoked lines, which would make a revoked key look merely unknown.
    auto revoked = find_revoked({file, option_string(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS)}, name, *blob);
    if (!revoked) return propagate(revoked);
    if (*revoked)
        return fail(ErrorKind::refused,
                    fmt::format("the host key of {} ({} {}) is REVOKED: {} line {} marks it @revoked, so it "
                                "must not be trusted. Not connecting. Ask the cluster's administrators for "
                                "the server's current host key.",
                                name, key_type, *fingerprint, (*revoked)->file.string(), (*revoked)->line));

    switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
        return {};
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        // Never offered to the user as a question: a changed key is what an interception looks like.
        return fail(ErrorKind::refused,
                    fmt::format("WARNING: the host key of {} has CHANGED. The server now presents {} {}, "
                                "which does not match the key stored in {}. Someone may be intercepting the "
                                "connection, or the server was reinstalled. Not connecting. If the change is "
                                "expected, remove the old key with: ssh-keygen -R '{}'",
                                name, key_type, *fingerprint, file.empty() ? "known_hosts" : file, name));
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
        break;
    case SSH_KNOWN_HOSTS_ERROR:
        return fail(ErrorKind::io, fmt::format("cannot check the host key of {} against {}: {}", name, file,
                                               ssh_get_error(session)));
    }

    const UnknownHostKey unknown{name, port, key_type, *fingerprint, {}};
    if (!callbacks.accept_host_key)
        return fail(
            ErrorKind::refused,
            fmt::format("the host key of {} ({} {}) is not known yet, and there is nobody to ask whether "
                        "to trust it (no terminal or window): connect once interactively (sluice-cli "
                        "profile test in a terminal, the desktop app, or ssh) to check it and store it",
                        name, key_type, *fingerprint));
    if (!callbacks.accept_host_key(unknown))
        return fail(ErrorKind::cancelled,
                    fmt::format("the host key of {} ({}) was not trusted", name, *fingerprint));
    return store_host_key(session, options, name, key_type, *blob, file);
}

} // namespace sluice::remote
