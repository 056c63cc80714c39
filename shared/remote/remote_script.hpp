#pragma once
// Remote commands as POSIX scripts on the stdin of `bash -l -s` (DESIGN §6): the login shell (maybe
// tcsh) never parses our quoting, and the login environment puts `module`, `sbatch`, `qsub` on PATH.
// Transfers' own scripts need only POSIX tools and skip the login profile (`bash -s`): on a cluster
// with environment modules it costs a noticeable fraction of a second per script.
// Values reach a script only as its positional parameters, quoted by shell_quote.
#include "remote/session.hpp"
#include "util/error.hpp"

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::remote {

struct ScriptResult {
    int exit_status = -1; ///< -1: the script was ended by a signal and reported no status
    std::string out;
    std::string err;
};

/// `login`: the user's login environment (job commands); `plain`: no profile read (POSIX tools only).
enum class Shell { login, plain };

struct RunLimits {
    std::chrono::milliseconds timeout = std::chrono::minutes(5);
    std::stop_token cancel; ///< a stop request ends the remote script (SIGTERM) and the wait
};

/// The text sent to the shell: `script` becomes the body of a function that is called with `args`
/// (as "$1", "$2", ...) and stdin from /dev/null. A connection lost mid-script therefore runs nothing
/// half-received, and a command reading stdin cannot swallow the rest of the script.
[[nodiscard]] std::string wrap_script(std::string_view script, const std::vector<std::string>& args);

/// A script started on its own channel; several may run at once on one Session. Destroyed before
/// its end, it ends the remote script (SIGTERM): sshd keeps a session open, and counted against the
/// connection's MaxSessions, for as long as the command runs, even after the channel is freed.
class RemoteScript {
public:
    RemoteScript(RemoteScript&&) noexcept = default;
    RemoteScript& operator=(RemoteScript&& other) noexcept;
    RemoteScript(const RemoteScript&) = delete;
    RemoteScript& operator=(const RemoteScript&) = delete;
    ~RemoteScript();

    [[nodiscard]] static Result<RemoteScript> start(Session& session, std::string_view script,
                                                    const std::vector<std::string>& args = {},
                                                    Shell shell = Shell::login);
    /// Collect stdout, stderr and the exit status. Timeout and cancel end the remote script.
    [[nodiscard]] Result<ScriptResult> wait(const RunLimits& limits = {});

private:
    explicit RemoteScript(ChannelHandle channel, std::string peer);
    Status drain(bool blocking);
    void end() noexcept; ///< SIGTERM to a script still running, then free the channel
    ChannelHandle channel_;
    std::string peer_;
    ScriptResult result_;
};

/// start + wait; falls back to `sh -l -s` (`sh -s`), once per Session, where the server has no bash.
[[nodiscard]] Result<ScriptResult> run_script(Session& session, std::string_view script,
                                              const std::vector<std::string>& args = {},
                                              const RunLimits& limits = {}, Shell shell = Shell::login);

} // namespace sluice::remote
