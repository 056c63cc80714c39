#pragma once
// Host key check against OpenSSH known_hosts files, as `ssh` does with StrictHostKeyChecking=ask.
#include "remote/session_options.hpp"
#include "remote/ssh_handles.hpp"
#include "util/error.hpp"

namespace sluice::remote {

/// Known key → ok. Unknown → ask `accept_host_key` with the SHA-256 fingerprint and store the key if
/// accepted, hashed when ssh_config says `HashKnownHosts yes` (hash_known_hosts.hpp). Changed (or only a
/// key of another type known) → refused with a warning, never asked. A key marked `@revoked` in either
/// known_hosts file → refused, never asked, even if another line trusts it.
[[nodiscard]] Status verify_host_key(ssh_session session, const SessionOptions& options,
                                     const SessionCallbacks& callbacks);

/// "SHA256:<base64>" of the server's key, as `ssh-keygen -l -E sha256` prints it.
[[nodiscard]] Result<std::string> server_key_fingerprint(ssh_session session,
                                                         std::string* key_type = nullptr);

} // namespace sluice::remote
