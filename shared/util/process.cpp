#include "util/process.hpp"

#include <cerrno>
#include <charconv>
#include <fstream>
#include <signal.h>
#include <string>

namespace sluice {

namespace {

// A killed process stays a zombie until its parent reaps it, and an orphan's new parent (a container's
// pid 1, say) may never do so; kill(pid, 0) still succeeds on it. Its state in /proc says it has ended.
bool is_zombie(std::int64_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const auto paren = line.rfind(')'); // the command name may itself hold ") "
    return paren != std::string::npos && paren + 2 < line.size() &&
           (line[paren + 2] == 'Z' || line[paren + 2] == 'X');
}

} // namespace

bool process_exists(std::int64_t pid) {
    if (pid <= 0) return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
    return !is_zombie(pid);
}

int remove_orphaned_temporaries(const std::filesystem::path& dir, std::string_view prefix) {
    int removed = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const auto name = e.path().filename().string();
        if (!name.starts_with(prefix)) continue;
        const std::string_view digits = std::string_view(name).substr(prefix.size());
        std::int64_t pid = 0;
        const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
        if (err != std::errc{} || end != digits.data() + digits.size() || process_exists(pid)) continue;
        // Never follow a link: only what the writer made itself goes.
        if (!e.is_symlink(ec) && std::filesystem::remove(e.path(), ec)) ++removed;
    }
    return removed;
}

} // namespace sluice
