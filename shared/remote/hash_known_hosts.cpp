#include "remote/hash_known_hosts.hpp"

#include "remote/known_hosts.hpp"
#include "util/unique_fd.hpp"

#include <cctype>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sluice::remote {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '='))
            ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '=')
            ++j;
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<bool> yes_no(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    const auto s = lower(v);
    if (s == "yes") return true;
    if (s == "no") return false;
    return std::nullopt;
}

// `ssh -G` prints the effective configuration ("hashknownhosts yes") without connecting. nullopt when
// ssh is missing or fails; it is given 10 s (a `Match exec` line may run a command).
std::optional<bool> ask_ssh(const SessionOptions& o) {
    std::vector<std::string> args{"ssh", "-G"};
    if (!o.ssh_config.empty()) args.insert(args.end(), {"-F", o.ssh_config.string()});
    if (o.port) args.insert(args.end(), {"-p", std::to_string(*o.port)});
    if (o.user) args.insert(args.end(), {"-l", *o.user});
    args.insert(args.end(), {"--", o.host});
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, "ssh", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    write_end.reset();
    if (spawned != 0) return std::nullopt;

    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{read_end.get(), POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            ::kill(pid, SIGKILL);
            break;
        }
        char buf[4096];
        const auto n = ::read(read_end.get(), buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        const auto w = words(line);
        if (w.size() == 2 && lower(w[0]) == "hashknownhosts") return yes_no(w[1]);
    }
    return false; // ssh knows the option and did not print it: its default, no
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

std::optional<bool> hash_known_hosts_in_config(std::string_view config, std::string_view host) {
    bool active = true; // lines before the first Host/Match apply to every host
    while (!config.empty()) {
        const auto eol = config.find('\n');
        const auto line = config.substr(0, eol);
        config.remove_prefix(eol == std::string_view::npos ? config.size() : eol + 1);
        const auto w = words(line);
        if (w.empty() || w[0].front() == '#') continue;
        const auto keyword = lower(w[0]);
        if (keyword == "host") {
            std::string patterns;
            for (std::size_t i = 1; i < w.size(); ++i)
                patterns += (i > 1 ? "," : "") + std::string(w[i]);
            active = host_matches(patterns, host);
        } else if (keyword == "match") {
            active = w.size() == 2 && lower(w[1]) == "all";
        } else if (active && keyword == "hashknownhosts" && w.size() >= 2) {
            if (auto v = yes_no(w[1])) return v;
        }
    }
    return std::nullopt;
}

bool hash_known_hosts(const SessionOptions& options) {
    if (auto v = ask_ssh(options)) return *v;
    std::vector<std::filesystem::path> files;
    if (!options.ssh_config.empty()) {
        files.push_back(options.ssh_config);
    } else {
        const char* home = std::getenv("HOME");
        const auto dir = !options.ssh_dir.empty() ? options.ssh_dir
                         : home                   ? std::filesystem::path(home) / ".ssh"
                                                  : std::filesystem::path();
        if (!dir.empty()) files.push_back(dir / "config");
        files.emplace_back("/etc/ssh/ssh_config");
    }
    for (const auto& f : files)
        if (auto v = hash_known_hosts_in_config(read_text(f), options.host)) return *v;
    return false;
}

} // namespace sluice::remote
