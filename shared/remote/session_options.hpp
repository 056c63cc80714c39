#pragma once
// What a Session needs to know before connecting: where to go, which OpenSSH files to honour, and how
// to ask the user (host key, passphrase, 2FA prompts, password). Callbacks run on the Session's thread;
// a GUI forwards them to its dialogs and blocks until the user answers.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice::remote {

/// A server whose key is not in known_hosts yet.
struct UnknownHostKey {
    std::string host; ///< as written to known_hosts: "name" or "[name]:port"
    int port = 22;
    std::string key_type;           ///< e.g. "ssh-ed25519"
    std::string sha256_fingerprint; ///< "SHA256:<base64>", as `ssh-keygen -l` prints it
    std::string why;                ///< what the login is for ("profile hpc, to check 2 jobs"); may be empty
};

/// One keyboard-interactive round: the server may send zero, one or several prompts.
struct KbdIntRound {
    struct Prompt {
        std::string text;
        bool echo = false; ///< false: a secret, the UI must not show what is typed
    };
    std::string name;
    std::string instruction;
    std::vector<Prompt> prompts;
    int attempt = 1; ///< > 1: the previous answers were refused (e.g. a wrong one-time code)
    std::string who; ///< user@host:port
    std::string why; ///< what the login is for; may be empty
};

struct SessionCallbacks {
    /// Trust this key (it is then stored in known_hosts)? Absent: unknown hosts are refused.
    std::function<bool(const UnknownHostKey&)> accept_host_key;
    /// Passphrase for an encrypted key file; nullopt skips the key.
    std::function<std::optional<std::string>(const std::filesystem::path& key_file)> key_passphrase;
    /// Answers for every prompt of a round, in order; nullopt cancels the login.
    std::function<std::optional<std::vector<std::string>>(const KbdIntRound&)> keyboard_interactive;
    /// Password for user@host; nullopt cancels the login. `attempt` counts from 1 (> 1: refused before).
    std::function<std::optional<std::string>(const std::string& user_at_host, int attempt)> password;
    /// Optional, a memory of passwords keyed by user@host:port (the desktop app's keychain; sluice-cli
    /// keeps none, docs/DESIGN.md §8): the remembered password is tried once, without asking, before
    /// `password` is asked.
    std::function<std::optional<std::string>(const std::string& user_at_host)> remembered_password;
    /// After each password the server answered: whether it was `remembered_password`'s (refused: forget
    /// it) or one `password` returned (accepted: keep it if the user asked to), and whether it was accepted.
    std::function<void(const std::string& user_at_host, const std::string& password, bool remembered,
                       bool accepted)>
        password_tried;
};

struct SessionOptions {
    /// A host name, address or ~/.ssh/config alias.
    std::string host;
    /// Overrides of what ssh_config says; unset → config, then OpenSSH defaults (22, local user).
    std::optional<int> port;
    std::optional<std::string> user;
    /// Tried after the agent ($SSH_AUTH_SOCK) and ssh_config's IdentityFile entries.
    std::vector<std::filesystem::path> identity_files;

    /// Empty → OpenSSH's own files: ~/.ssh/config (+ /etc/ssh/ssh_config), ~/.ssh/known_hosts.
    std::filesystem::path ssh_config;
    std::filesystem::path known_hosts;
    /// Empty → /etc/ssh/ssh_known_hosts.
    std::filesystem::path global_known_hosts;
    /// Empty → ~/.ssh; default identities (id_ed25519, id_ecdsa, id_rsa) are looked for there.
    std::filesystem::path ssh_dir;

    std::chrono::seconds connect_timeout{30};
    /// Long, because push-based 2FA waits for a phone (DESIGN §6: at least 120 s).
    std::chrono::seconds auth_timeout{180};
    /// Attempts per method before giving up (a typo should not end the login).
    int password_attempts = 3;
};

} // namespace sluice::remote
