#include "remote/session.hpp"

#include "remote/authenticate.hpp"
#include "remote/host_key.hpp"

#include <fmt/format.h>

namespace sluice::remote {

struct Session::State {
    SessionOptions options;
    SessionCallbacks callbacks;
    SessionHandle session;
    std::string peer;
    std::string script_shell = "bash";
    bool logged_in = false; ///< connected AND authenticated: a half-done login is not a session
};

namespace {

constexpr const char* kCipherPreference =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
    "aes256-ctr";

template <class T>
Status set_option(ssh_session s, ssh_options_e option, const T* value, std::string_view what) {
    if (ssh_options_set(s, option, value) != SSH_OK)
        return fail(ErrorKind::bad_input, fmt::format("invalid SSH option {}: {}", what, ssh_get_error(s)));
    return {};
}

Status set_path(ssh_session s, ssh_options_e option, const std::filesystem::path& p, std::string_view what) {
    if (p.empty()) return {};
    return set_option(s, option, p.c_str(), what);
}

std::string describe_peer(ssh_session s) {
    char* user = nullptr;
    char* host = nullptr;
    unsigned int port = 22;
    ssh_options_get(s, SSH_OPTIONS_USER, &user);
    ssh_options_get(s, SSH_OPTIONS_HOST, &host);
    ssh_options_get_port(s, &port);
    CString u(user), h(host);
    return fmt::format("{}@{}:{}", u ? u.get() : "?", h ? h.get() : "?", port);
}

/// Order matters: the host (alias) first so that ssh_config's `Host` blocks match it, then the config,
/// then our explicit choices, which win over the config as on the ssh command line.
Status configure(ssh_session s, const SessionOptions& o) {
    if (o.host.empty()) return fail(ErrorKind::bad_input, "no host to connect to");
    Status st = set_path(s, SSH_OPTIONS_SSH_DIR, o.ssh_dir, "ssh directory");
    if (st) st = set_option(s, SSH_OPTIONS_HOST, o.host.c_str(), "host");
    if (!st) return st;
    // AES-GCM first (DESIGN §6): with AES-NI both ends encrypt several times faster than with
    // chacha20-poly1305, libssh's default. Set before the config is read, so a `Ciphers` line there wins.
    for (auto direction : {SSH_OPTIONS_CIPHERS_C_S, SSH_OPTIONS_CIPHERS_S_C})
        ssh_options_set(s, direction, kCipherPreference); // a libssh without one of them keeps its default
    const char* config = o.ssh_config.empty() ? nullptr : o.ssh_config.c_str();
    if (ssh_options_parse_config(s, config) != SSH_OK)
        return fail(ErrorKind::bad_input, fmt::format("cannot read ssh config {}: {}",
                                                      config ? config : "~/.ssh/config", ssh_get_error(s)));
    const int no = 0, yes = 1;
    st = set_option(s, SSH_OPTIONS_PROCESS_CONFIG, &no, "process config"); // done above, once
    if (st && o.port) {
        const unsigned int port = static_cast<unsigned int>(*o.port);
        st = set_option(s, SSH_OPTIONS_PORT, &port, "port");
    }
    if (st && o.user) st = set_option(s, SSH_OPTIONS_USER, o.user->c_str(), "user");
    for (const auto& id : o.identity_files)
        if (st) st = set_option(s, SSH_OPTIONS_ADD_IDENTITY, id.c_str(), "identity file");
    if (st) st = set_path(s, SSH_OPTIONS_KNOWNHOSTS, o.known_hosts, "known_hosts");
    if (st) st = set_path(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, o.global_known_hosts, "global known_hosts");
    // Small SFTP and exec packets must not wait for Nagle (DESIGN §6).
    if (st) st = set_option(s, SSH_OPTIONS_NODELAY, &yes, "nodelay");
    const long timeout = o.connect_timeout.count();
    if (st) st = set_option(s, SSH_OPTIONS_TIMEOUT, &timeout, "timeout");
    return st;
}

} // namespace

Status Session::login(State& state) {
    state.logged_in = false;
    auto st = login_steps(state);
    // A login that did not finish (refused, cancelled, timed out) leaves no half-open connection behind
    // (it would sit in CLOSE-WAIT and pass for connected): the next try starts from scratch.
    if (!st) state.session.reset();
    state.logged_in = st.has_value();
    return st;
}

Status Session::login_steps(State& state) {
    state.session.reset(ssh_new());
    ssh_session s = state.session.get();
    if (!s) return fail(ErrorKind::internal, "cannot create an SSH session");
    if (auto st = configure(s, state.options); !st) return st;
    state.peer = describe_peer(s);

    if (ssh_connect(s) != SSH_OK)
        return fail(ErrorKind::io, fmt::format("cannot connect to {}: {}", state.peer, ssh_get_error(s)));
    if (auto st = verify_host_key(s, state.options, state.callbacks); !st) return st;

    // Push-based 2FA waits for the user's phone: the auth exchange gets the long timeout.
    const long auth_timeout = state.options.auth_timeout.count();
    if (auto st = set_option(s, SSH_OPTIONS_TIMEOUT, &auth_timeout, "timeout"); !st) return st;
    if (auto st = authenticate(s, state.options, state.callbacks, state.peer); !st) return st;
    const long timeout = state.options.connect_timeout.count();
    return set_option(s, SSH_OPTIONS_TIMEOUT, &timeout, "timeout");
}

Result<Session> Session::connect(SessionOptions options, SessionCallbacks callbacks) {
    auto state = std::make_unique<State>();
    state->options = std::move(options);
    state->callbacks = std::move(callbacks);
    if (auto st = login(*state); !st) return propagate(st);
    return Session(std::move(state));
}

Result<std::string> Session::peer_of(const SessionOptions& options) {
    SessionHandle session(ssh_new());
    if (!session) return fail(ErrorKind::internal, "cannot create an SSH session");
    if (auto st = configure(session.get(), options); !st) return propagate(st);
    return describe_peer(session.get());
}

Status Session::ensure_connected() {
    if (connected()) return {};
    return login(*state_);
}

Session::Session(std::unique_ptr<State> state) : state_(std::move(state)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<ChannelHandle> Session::open_channel() {
    if (!connected()) return fail(ErrorKind::io, fmt::format("not logged in to {}", state_->peer));
    ssh_session s = state_->session.get();
    ChannelHandle channel(ssh_channel_new(s));
    if (!channel)
        return fail(ErrorKind::io,
                    fmt::format("cannot create a channel to {}: {}", state_->peer, ssh_get_error(s)));
    if (ssh_channel_open_session(channel.get()) != SSH_OK)
        return fail(ErrorKind::io,
                    fmt::format("cannot open a channel to {}: {}", state_->peer, ssh_get_error(s)));
    return channel;
}

bool Session::connected() const {
    return state_ && state_->session && state_->logged_in && ssh_is_connected(state_->session.get());
}
const std::string& Session::peer() const {
    return state_->peer;
}
ssh_session Session::raw() const {
    return state_->session.get();
}
std::string Session::last_error() const {
    return state_->session ? ssh_get_error(state_->session.get()) : std::string("not connected");
}
const std::string& Session::script_shell() const {
    return state_->script_shell;
}
void Session::set_script_shell(std::string shell) {
    state_->script_shell = std::move(shell);
}

} // namespace sluice::remote
