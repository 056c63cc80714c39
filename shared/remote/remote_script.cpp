#include "remote/remote_script.hpp"

#include "util/shell_quote.hpp"

#include <array>
#include <fmt/format.h>

namespace sluice::remote {

std::string wrap_script(std::string_view script, const std::vector<std::string>& args) {
    std::string text = "sluice_script() {\n";
    // A function body must hold a command; the script's own last command gives the exit status.
    text += script.find_first_not_of(" \t\n") == std::string_view::npos ? std::string_view(":") : script;
    if (text.back() != '\n') text += '\n';
    text += "}\nsluice_script";
    for (const auto& arg : args)
        text += ' ' + shell_quote(arg);
    text += " </dev/null\n";
    return text;
}

RemoteScript::RemoteScript(ChannelHandle channel, std::string peer)
    : channel_(std::move(channel)), peer_(std::move(peer)) {}

RemoteScript& RemoteScript::operator=(RemoteScript&& other) noexcept {
    if (this != &other) {
        end();
        channel_ = std::move(other.channel_);
        peer_ = std::move(other.peer_);
        result_ = std::move(other.result_);
    }
    return *this;
}

RemoteScript::~RemoteScript() {
    end();
}

void RemoteScript::end() noexcept {
    if (channel_ && !ssh_channel_is_eof(channel_.get()))
        ssh_channel_request_send_signal(channel_.get(), "TERM");
    channel_.reset();
}

Result<RemoteScript> RemoteScript::start(Session& session, std::string_view script,
                                         const std::vector<std::string>& args, Shell shell) {
    auto channel = session.open_channel();
    if (!channel) return propagate(channel);
    ssh_channel c = channel->get();
    const std::string command = session.script_shell() + (shell == Shell::login ? " -l -s" : " -s");
    if (ssh_channel_request_exec(c, command.c_str()) != SSH_OK)
        return fail(ErrorKind::io,
                    fmt::format("cannot start {} on {}: {}", command, session.peer(), session.last_error()));
    const std::string text = wrap_script(script, args);
    // Blocking write: libssh waits for window space, so the whole script is sent before EOF.
    if (ssh_channel_write(c, text.data(), static_cast<uint32_t>(text.size())) !=
            static_cast<int>(text.size()) ||
        ssh_channel_send_eof(c) != SSH_OK)
        return fail(ErrorKind::io,
                    fmt::format("cannot send a script to {}: {}", session.peer(), session.last_error()));
    return RemoteScript(std::move(*channel), session.peer());
}

Status RemoteScript::drain(bool blocking) {
    std::array<char, 16384> buf{};
    ssh_channel c = channel_.get();
    // Only stdout waits (briefly); stderr is then read without waiting, so neither stream starves.
    const int n = blocking ? ssh_channel_read_timeout(c, buf.data(), buf.size(), 0, 100)
                           : ssh_channel_read_nonblocking(c, buf.data(), buf.size(), 0);
    if (n == SSH_ERROR) return fail(ErrorKind::io, fmt::format("reading from {}: connection lost", peer_));
    if (n > 0) result_.out.append(buf.data(), static_cast<std::size_t>(n));
    for (;;) {
        const int e = ssh_channel_read_nonblocking(c, buf.data(), buf.size(), 1);
        if (e == SSH_ERROR)
            return fail(ErrorKind::io, fmt::format("reading from {}: connection lost", peer_));
        if (e <= 0) break;
        result_.err.append(buf.data(), static_cast<std::size_t>(e));
    }
    return {};
}

Result<ScriptResult> RemoteScript::wait(const RunLimits& limits) {
    const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
    ssh_channel c = channel_.get();
    while (!ssh_channel_is_eof(c)) {
        const bool cancelled = limits.cancel.stop_requested();
        if (cancelled || std::chrono::steady_clock::now() >= deadline) {
            end();
            if (cancelled) return fail(ErrorKind::cancelled, fmt::format("script on {} cancelled", peer_));
            return fail(
                ErrorKind::io,
                fmt::format("script on {} timed out after {} s", peer_,
                            std::chrono::duration_cast<std::chrono::seconds>(limits.timeout).count()));
        }
        if (auto st = drain(true); !st) return propagate(st);
    }
    // EOF: what is still buffered locally can be read without waiting.
    for (std::size_t before = SIZE_MAX; before != result_.out.size() + result_.err.size();) {
        before = result_.out.size() + result_.err.size();
        if (auto st = drain(false); !st) return propagate(st);
    }
    result_.exit_status = ssh_channel_get_exit_status(c);
    channel_.reset();
    return std::move(result_);
}

Result<ScriptResult> run_script(Session& session, std::string_view script,
                                const std::vector<std::string>& args, const RunLimits& limits, Shell shell) {
    auto started = RemoteScript::start(session, script, args, shell);
    if (!started) return propagate(started);
    auto result = started->wait(limits);
    // 127 with "bash: not found" from the login shell: bash never started, so nothing ran; use sh.
    if (result && result->exit_status == 127 && session.script_shell() == "bash" &&
        result->err.find("bash") != std::string::npos && result->err.find("not found") != std::string::npos &&
        result->out.empty()) {
        session.set_script_shell("sh");
        return run_script(session, script, args, limits, shell);
    }
    return result;
}

} // namespace sluice::remote
