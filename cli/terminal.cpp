#include "terminal.hpp"

#include "util/unique_fd.hpp"
#include "util/utf8.hpp"

#include <cstdio>
#include <fcntl.h>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace sluice::cli {
namespace {

/// Echo off for the lifetime of the object (restored even when reading fails).
class NoEcho {
public:
    explicit NoEcho(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
    ~NoEcho() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

std::optional<std::string> ask(const std::string& prompt, bool echo) {
    const UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
    if (!tty.valid()) return std::nullopt;
    if (!write_all(tty.get(), prompt, "/dev/tty")) return std::nullopt;
    std::optional<NoEcho> quiet;
    if (!echo) quiet.emplace(tty.get());
    std::string answer;
    char c = 0;
    while (::read(tty.get(), &c, 1) == 1 && c != '\n')
        answer += c;
    if (!echo) (void)write_all(tty.get(), "\n", "/dev/tty");
    return answer;
}

bool have_terminal() {
    return UniqueFd(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)).valid();
}

} // namespace

remote::SessionCallbacks terminal_callbacks() {
    remote::SessionCallbacks cb;
    // Without a terminal nobody can answer: no callbacks, so errors say that nobody was asked (not that
    // the user said no), and key or agent logins still work.
    if (!have_terminal()) return cb;
    cb.accept_host_key = [](const remote::UnknownHostKey& key) {
        const auto answer =
            ask(fmt::format("The authenticity of host {} can't be established.\n{} key fingerprint is "
                            "{}.\nTrust it and add it to known_hosts (yes/no)? ",
                            key.host, key.key_type, key.sha256_fingerprint),
                true);
        return answer && (*answer == "yes" || *answer == "y");
    };
    cb.key_passphrase = [](const std::filesystem::path& key) {
        return ask(fmt::format("Passphrase for {}: ", key.string()), false);
    };
    cb.keyboard_interactive =
        [](const remote::KbdIntRound& round) -> std::optional<std::vector<std::string>> {
        // Ours first (who asks, why, a refused answer), then the server's own words.
        std::string intro;
        if (!round.who.empty())
            intro += terminal_text(
                fmt::format("Logging in to {}{}\n", round.who, round.why.empty() ? "" : " " + round.why));
        if (round.attempt > 1)
            intro += "That was not accepted (a mistyped password or an expired code?); try again.\n";
        if (!round.name.empty() || !round.instruction.empty())
            intro += terminal_text(
                fmt::format("{}{}{}\n", round.name, round.name.empty() ? "" : "\n", round.instruction));
        if (!intro.empty()) {
            const UniqueFd tty(::open("/dev/tty", O_WRONLY | O_CLOEXEC | O_NOCTTY));
            if (tty.valid()) (void)write_all(tty.get(), intro, "/dev/tty");
        }
        std::vector<std::string> answers;
        for (const auto& p : round.prompts) {
            auto a = ask(terminal_text(p.text, false), p.echo); // the server's text, not ours
            if (!a) return std::nullopt;
            answers.push_back(std::move(*a));
        }
        return answers;
    };
    cb.password = [](const std::string& user_at_host, int attempt) {
        return ask(
            fmt::format("{}{}'s password: ", attempt > 1 ? "Not accepted; try again. " : "", user_at_host),
            false);
    };
    return cb;
}

} // namespace sluice::cli
