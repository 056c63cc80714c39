#include "jobs/local_host.hpp"

#include "util/atomic_file.hpp"
#include "util/sha256.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sluice::jobs {
namespace {

namespace fs = std::filesystem;

std::string errno_text() {
    return std::strerror(errno);
}

struct Pipe {
    UniqueFd read, write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorKind::io, "cannot create a pipe: " + errno_text());
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// This process's environment with `extra` set on top.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (!extra.contains(std::string(name))) env.emplace_back(entry);
    }
    for (const auto& [name, value] : extra)
        env.push_back(name + "=" + value);
    return env;
}

// Copy `from` to `to` (.part, fsync, rename without replacing), hashing what is written.
Result<std::string> copy_verified(const fs::path& from, const fs::path& to, const TransferHooks& hooks) {
    const UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid())
        return fail(ErrorKind::io, fmt::format("cannot read {}: {}", from.string(), errno_text()));
    struct stat st {};
    ::fstat(in.get(), &st);
    const auto total = static_cast<std::uint64_t>(st.st_size);
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    const fs::path part = to.string() + ".part";
    UniqueFd out(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!out.valid())
        return fail(ErrorKind::io, fmt::format("cannot write {}: {}", part.string(), errno_text()));
    Sha256 hash;
    std::vector<char> buf(1 << 20);
    std::uint64_t done = 0;
    for (;;) {
        if (hooks.cancel.stop_requested())
            return fail(ErrorKind::cancelled, fmt::format("copy of {} cancelled", from.string()));
        const ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorKind::io, fmt::format("cannot read {}: {}", from.string(), errno_text()));
        if (n == 0) break;
        const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        hash.update(chunk);
        if (auto w = write_all(out.get(), chunk, part); !w) return propagate(w);
        done += static_cast<std::uint64_t>(n);
        if (hooks.progress) hooks.progress(done, total);
    }
    if (::fsync(out.get()) != 0)
        return fail(ErrorKind::io, fmt::format("cannot flush {}: {}", part.string(), errno_text()));
    out.reset();
    if (auto r = rename_no_replace(part, to); !r) return propagate(r);
    return hash.hex_digest();
}

} // namespace

Result<remote::ScriptResult> run_local_script(std::string_view script, const std::vector<std::string>& args,
                                              const std::map<std::string, std::string>& environment,
                                              std::chrono::milliseconds timeout,
                                              const std::stop_token& cancel) {
    auto in = make_pipe();
    auto out = make_pipe();
    auto err = make_pipe();
    if (!in || !out || !err) return fail(ErrorKind::io, "cannot create pipes for a script");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in->read.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, out->write.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err->write.get(), 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // A group of its own: a timeout or a cancel ends everything the script started.
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    auto env = environment_with(environment);
    std::vector<char*> envp;
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    char bash[] = "bash", dash_s[] = "-s";
    char* argv[] = {bash, dash_s, nullptr};
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, "bash", &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return fail(ErrorKind::io, fmt::format("cannot start bash: {}", std::strerror(rc)));
    in->read.reset();
    out->write.reset();
    err->write.reset();

    const auto text = remote::wrap_script(script, args);
    (void)write_all(in->write.get(), text, "the script's input"); // EPIPE: the script ended early
    in->write.reset();

    remote::ScriptResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<pollfd, 2> fds{{{out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}}};
    std::array<char, 16384> buf{};
    bool ended_early = false, cancelled = false;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        cancelled = cancel.stop_requested();
        if (cancelled || std::chrono::steady_clock::now() >= deadline) {
            ::kill(-pid, SIGTERM);
            ended_early = true;
            break;
        }
        if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) break;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(fds[i].fd, buf.data(), buf.size());
            if (n > 0)
                (i == 0 ? result.out : result.err).append(buf.data(), static_cast<std::size_t>(n));
            else if (n == 0 || errno != EINTR)
                fds[i].fd = -1;
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (ended_early) {
        if (cancelled) return fail(ErrorKind::cancelled, "script on this computer cancelled");
        return fail(ErrorKind::io,
                    fmt::format("script on this computer timed out after {} s",
                                std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

LocalHost::LocalHost(ClusterProfile profile, std::map<std::string, std::string> environment)
    : profile_(std::move(profile)), environment_(std::move(environment)) {}

Result<std::string> LocalHost::connect() {
    return std::string("this computer");
}

Result<remote::ScriptResult> LocalHost::run(std::string_view what, std::string_view script,
                                            const std::vector<std::string>& args,
                                            std::chrono::milliseconds timeout, std::stop_token cancel) {
    auto r = run_local_script(script, args, environment_, timeout, cancel);
    if (!r) return std::unexpected(r.error().context(std::string(what)));
    if (r->exit_status != 0)
        return fail(ErrorKind::io, fmt::format("{} on this computer failed (exit {}): {}", what,
                                               r->exit_status, first_line(r->err.empty() ? r->out : r->err)));
    return r;
}

Status LocalHost::upload_input(const JobRecord& job, const TransferHooks& hooks) {
    std::error_code ec;
    if (fs::equivalent(job.local_input, job.remote_input, ec)) return {}; // read in place
    if (fs::exists(job.remote_input, ec)) {
        auto sha = sha256_file(job.remote_input);
        if (sha && *sha == job.input_sha256) return {}; // a verified copy is there
        fs::remove(job.remote_input, ec);
    }
    auto sha = copy_verified(job.local_input, job.remote_input, hooks);
    if (!sha) return propagate(sha);
    if (*sha != job.input_sha256)
        return fail(ErrorKind::refused,
                    fmt::format("{} changed since the job was planned; submit it again", job.local_input));
    return {};
}

Result<std::string> LocalHost::download(const std::string& remote, const fs::path& local,
                                        const TransferHooks& hooks) {
    std::error_code ec;
    if (fs::equivalent(remote, local, ec)) return sha256_file(local); // written in place by the job
    return copy_verified(remote, local, hooks);
}

} // namespace sluice::jobs
