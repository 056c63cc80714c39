#pragma once
// One authenticated SSH connection per cluster profile (DESIGN §6). The user logs in (and answers 2FA)
// once; every exec and SFTP channel afterwards rides on the same connection. A Session belongs to one
// thread at a time: libssh sessions are not thread-safe.
#include "remote/session_options.hpp"
#include "remote/ssh_handles.hpp"
#include "util/error.hpp"

#include <memory>
#include <string>

namespace sluice::remote {

class Session {
public:
    /// Connect, check the host key against known_hosts and authenticate; errors say which step failed.
    [[nodiscard]] static Result<Session> connect(SessionOptions options, SessionCallbacks callbacks);
    /// "user@host:port" as a login with `options` would name it (ssh_config applied), without connecting:
    /// the key of a remembered password (docs/DESIGN.md §8).
    [[nodiscard]] static Result<std::string> peer_of(const SessionOptions& options);

    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;
    ~Session();

    /// After the connection dropped (a failed channel, a suspended laptop): connect and log in again
    /// with the same options and callbacks; the user is asked only if the login method needs it
    /// (a key or the agent asks nothing). libssh frees the old connection's channels with it, so every
    /// channel (RemoteScript, SFTP handle) must be destroyed first, as before destroying the Session.
    [[nodiscard]] Status ensure_connected();

    /// A fresh session channel, for one exec or one subsystem.
    [[nodiscard]] Result<ChannelHandle> open_channel();

    /// Connected and logged in (a login that failed or was cancelled half-way is not).
    [[nodiscard]] bool connected() const;
    /// user@host:port as resolved through ssh_config, for messages.
    [[nodiscard]] const std::string& peer() const;
    /// For transfer code that talks SFTP on this connection.
    [[nodiscard]] ssh_session raw() const;

    /// The last libssh error on this session, for messages.
    [[nodiscard]] std::string last_error() const;

    /// The shell that runs scripts: "bash" until a script finds no bash on the server (remote_script.cpp).
    [[nodiscard]] const std::string& script_shell() const;
    void set_script_shell(std::string shell);

private:
    struct State;
    explicit Session(std::unique_ptr<State> state);
    static Status login(State& state);
    static Status login_steps(State& state);
    std::unique_ptr<State> state_;
};

} // namespace sluice::remote
