#include "jobs/local_scheduler.hpp"

#include "jobs/parse_support.hpp"
#include "jobs/scheduler_commands.hpp"
#include "util/shell_quote.hpp"

#include <fmt/format.h>

namespace sluice::jobs {
namespace {

// A job's process, found by pid and start time: "<state> <start ticks>" from /proc/PID/stat, whose
// command name (in parentheses) may hold spaces, hence the cut after ") ".
constexpr std::string_view process_of =
    R"(proc_of() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1,20; }
)";

Result<std::string> id_words(const std::vector<std::string>& ids) {
    if (ids.empty()) return fail(ErrorKind::bad_input, "no job ids");
    for (const auto& id : ids) {
        if (auto st = check_scheduler_job_id(id); !st) return propagate(st);
        if (id.find('.') == std::string::npos)
            return fail(ErrorKind::bad_input, fmt::format("'{}' is not a local job id (pid.start)", id));
    }
    return shell_join(ids);
}

} // namespace

std::string local_submit_command(std::string_view job_dir) {
    // In the background, setsid execs bash in place (a background child is no group leader), so $! is
    // the job script itself; the new session keeps it alive when whoever started it goes.
    return fmt::format("{}cd {} || exit 1\n"
                       "setsid bash {} >job.log 2>&1 </dev/null &\n"
                       "pid=$!\n"
                       "start=$(proc_of \"$pid\" | cut -d' ' -f2)\n"
                       "echo \"$pid.${{start:-0}}\"\n",
                       process_of, shell_quote(job_dir), shell_quote("job.sh"));
}

Result<std::string> local_poll_command(const std::vector<std::string>& ids) {
    auto words = id_words(ids);
    if (!words) return words;
    return fmt::format(
        "{}for id in {}; do\n"
        "    set -- $(proc_of \"${{id%%.*}}\")\n"
        "    if [ \"${{1:-Z}}\" != Z ] && [ \"${{1:-Z}}\" != X ] && [ \"${{2:-}}\" = \"${{id#*.}}\" ]; then\n"
        "        echo \"$id|RUNNING\"\n"
        "    else\n"
        "        echo \"$id|ENDED\"\n"
        "    fi\n"
        "done\n",
        process_of, *words);
}

Result<std::vector<SchedulerJob>> parse_local_poll(std::string_view out) {
    std::vector<SchedulerJob> jobs;
    const auto all = detail::lines(out);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto line = detail::trim(all[i]);
        if (line.empty()) continue;
        const auto parts = detail::split(line, '|', 2);
        if (parts.size() != 2 || !check_scheduler_job_id(parts[0]) ||
            (parts[1] != "RUNNING" && parts[1] != "ENDED"))
            return detail::cannot_parse("local job list", i + 1, line,
                                        "expected '<pid.start>|RUNNING|ENDED'");
        SchedulerJob j;
        j.id = std::string(parts[0]);
        j.scheduler_state = std::string(parts[1]);
        // An ended process is final; its status.json (if it wrote one) tells how it ended.
        j.state = parts[1] == "RUNNING" ? JobState::running : JobState::stopped;
        jobs.push_back(std::move(j));
    }
    return jobs;
}

Result<std::string> local_stop_command(const std::vector<std::string>& ids) {
    auto words = id_words(ids);
    if (!words) return words;
    return fmt::format("{}for id in {}; do\n"
                       "    set -- $(proc_of \"${{id%%.*}}\")\n"
                       "    if [ \"${{2:-}}\" = \"${{id#*.}}\" ]; then kill -USR1 \"${{id%%.*}}\"; fi\n"
                       "done\n",
                       process_of, *words);
}

} // namespace sluice::jobs
