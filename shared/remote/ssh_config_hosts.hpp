#pragma once
// The hosts of an OpenSSH client configuration (~/.ssh/config), for "Import from SSH config…" in the
// profiles dialog: every `Host` alias without wildcards, with the HostName, User and Port that ssh would
// use for it from the `Host` blocks that match it (first value wins, as in ssh_config(5)). `Include` is
// followed when it names files (absolute, ~/, or relative to ~/.ssh; wildcards expanded). `Match` blocks
// are not evaluated: their settings are skipped. Only reads; nothing here is passed to a shell.
#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::remote {

struct SshConfigHost {
    std::string alias;       ///< the Host pattern, a name to log in with
    std::string host_name;   ///< HostName; empty: the alias itself
    std::string user;        ///< User; empty: not set
    std::optional<int> port; ///< Port; unset: not set (22)
};

struct SshConfigHosts {
    std::vector<SshConfigHost> hosts; ///< in file order, each alias once
    std::vector<std::string> notes;   ///< what was skipped and why (a huge file, an Include loop, ...)
};

/// Limits against hostile or broken files: bytes read per file, files per configuration, Include depth.
inline constexpr std::size_t max_ssh_config_bytes = 1 << 20;
inline constexpr std::size_t max_ssh_config_files = 64;
inline constexpr int max_ssh_config_depth = 8;

/// Parses `text` as the file `file` (for Include's relative paths `ssh_dir` is ~/.ssh; `home` expands
/// ~/). Never fails: what cannot be read is a note.
[[nodiscard]] SshConfigHosts parse_ssh_config(std::string_view text, const std::filesystem::path& file,
                                              const std::filesystem::path& ssh_dir,
                                              const std::filesystem::path& home);

/// `file` (usually ~/.ssh/config) read and parsed; a missing file has no hosts and no notes.
[[nodiscard]] SshConfigHosts read_ssh_config(const std::filesystem::path& file,
                                             const std::filesystem::path& home);

/// $HOME/.ssh/config, or an error when HOME is unset.
[[nodiscard]] Result<std::filesystem::path> user_ssh_config();

} // namespace sluice::remote
