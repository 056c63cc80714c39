#pragma once
// OpenSSH's `HashKnownHosts` for one host, which libssh does not read: new known_hosts entries are then
// written as |1|salt|hash so that the file does not list where the user logs in (Debian's
// /etc/ssh/ssh_config turns it on for every host).
#include "remote/session_options.hpp"

#include <optional>
#include <string_view>

namespace sluice::remote {

/// The effective setting for `options.host`: `ssh -G` prints it when the OpenSSH client is installed
/// (Match, Include and every config file as ssh itself reads them); without ssh, the minimal reading
/// below of the files libssh reads (options.ssh_config, else <ssh_dir>/config and /etc/ssh/ssh_config).
[[nodiscard]] bool hash_known_hosts(const SessionOptions& options);

/// The first HashKnownHosts value in the Host blocks of `config` that match `host` (patterns with *, ?
/// and !negation, case-insensitive), as ssh takes the first value obtained. `Match all` blocks apply;
/// other Match blocks and Include are not evaluated (ssh -G is used where they matter).
[[nodiscard]] std::optional<bool> hash_known_hosts_in_config(std::string_view config, std::string_view host);

} // namespace sluice::remote
