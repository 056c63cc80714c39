// squeue and sacct output (Slurm's documented formats; --parsable2 style with '|').
#include "jobs/local_scheduler.hpp"
#include "jobs/parse_support.hpp"
#include "jobs/scheduler_commands.hpp"
#include "jobs/scheduler_parsers.hpp"

#include <array>
#include <charconv>

namespace sluice::jobs {
namespace {

using namespace detail;

std::optional<int> to_int(std::string_view s) {
    int v = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// sacct's ExitCode is "code:signal"; a signal is reported the way a shell does, 128 + N.
std::optional<int> exit_code_of(std::string_view text) {
    const auto parts = split(text, ':');
    if (parts.size() != 2) return std::nullopt;
    const auto code = to_int(parts[0]), signal = to_int(parts[1]);
    if (!code || !signal) return std::nullopt;
    return *signal != 0 ? 128 + *signal : *code;
}

} // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    text = trim(text);
    long long days = 0;
    if (const auto dash = text.find('-'); dash != std::string_view::npos) {
        const auto d = to_int(text.substr(0, dash));
        if (!d || *d < 0) return std::nullopt;
        days = *d;
        text.remove_prefix(dash + 1);
    }
    const auto parts = split(text, ':');
    if (parts.empty() || parts.size() > 3) return std::nullopt;
    long long total = 0;
    for (auto p : parts) {
        const auto v = to_int(p);
        if (!v || *v < 0) return std::nullopt;
        total = total * 60 + *v;
    }
    // "D-HH" means days and hours.
    if (days > 0 && parts.size() == 1) total *= 3600;
    return std::chrono::seconds(days * 86400 + total);
}

Result<JobState> map_slurm_state(std::string_view state, std::optional<int> exit_code) {
    // "CANCELLED by 1000": the first word is the state.
    const auto word = state.substr(0, state.find(' '));
    constexpr std::array pending{"PENDING",      "CONFIGURING",   "REQUEUED", "REQUEUE_FED",
                                 "REQUEUE_HOLD", "RESV_DEL_HOLD", "RESIZING"};
    constexpr std::array running{"RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "STOPPED", "SUSPENDED"};
    constexpr std::array failed{"BOOT_FAIL", "DEADLINE", "NODE_FAIL", "OUT_OF_MEMORY", "SPECIAL_EXIT"};
    for (auto s : pending)
        if (word == s) return JobState::pending;
    for (auto s : running)
        if (word == s) return JobState::running;
    for (auto s : failed)
        if (word == s) return JobState::failed;
    if (word == "COMPLETED") return JobState::completed;
    if (word == "FAILED") return exit_code == 3 ? JobState::stopped : JobState::failed;
    // The engine checkpoints every block: a job ended at walltime or by preemption resumes.
    if (word == "TIMEOUT" || word == "PREEMPTED") return JobState::stopped;
    if (word == "CANCELLED" || word == "REVOKED")
        return exit_code == 3 ? JobState::stopped : JobState::cancelled;
    return fail(ErrorKind::internal, fmt::format("unknown Slurm job state '{}'", printable(state)));
}

Result<std::vector<SchedulerJob>> parse_squeue(std::string_view out) {
    std::vector<SchedulerJob> jobs;
    const auto all = lines(out);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto line = all[i];
        if (trim(line).empty()) continue;
        const auto f = split(line, '|', 6);
        if (f.size() != 6 || !check_scheduler_job_id(f[0]))
            return cannot_parse("squeue", i + 1, line, "expected id|state|reason|time|limit|name");
        SchedulerJob job;
        job.id = std::string(f[0]);
        job.scheduler_state = std::string(f[1]);
        auto state = map_slurm_state(f[1], std::nullopt);
        if (!state) return cannot_parse("squeue", i + 1, line, state.error().message);
        job.state = *state;
        if (f[2] != "None") job.reason = std::string(f[2]);
        job.elapsed = parse_duration(f[3]);
        if (!job.elapsed) return cannot_parse("squeue", i + 1, line, "time used is not a duration");
        job.name = std::string(f[5]);
        jobs.push_back(std::move(job));
    }
    return jobs;
}

Result<std::vector<SchedulerJob>> parse_sacct(std::string_view out) {
    std::vector<SchedulerJob> jobs;
    const auto all = lines(out);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto line = all[i];
        if (trim(line).empty()) continue;
        const auto f = split(line, '|');
        if (f.size() != 4 || f[0].empty() || f[0].front() < '0' || f[0].front() > '9')
            return cannot_parse("sacct", i + 1, line, "expected JobID|State|ExitCode|Elapsed");
        const auto code = exit_code_of(f[2]);
        const auto elapsed = parse_duration(f[3]);
        if (!code || !elapsed) return cannot_parse("sacct", i + 1, line, "bad ExitCode or Elapsed");
        // Steps (123.batch, 123.extern, 123.0) repeat the allocation; its line carries the script's code.
        if (f[0].find('.') != std::string_view::npos) continue;
        if (!check_scheduler_job_id(f[0])) return cannot_parse("sacct", i + 1, line, "bad JobID");
        auto state = map_slurm_state(f[1], code);
        if (!state) return cannot_parse("sacct", i + 1, line, state.error().message);
        jobs.push_back(SchedulerJob{std::string(f[0]), *state, std::string(f[1]), code, {}, elapsed, {}});
    }
    return jobs;
}

Result<std::vector<SchedulerJob>> parse_poll_output(Scheduler scheduler, std::string_view out) {
    if (scheduler == Scheduler::local) return parse_local_poll(out);
    if (scheduler == Scheduler::slurm) return parse_squeue(out);
    return parse_qstat_full_text(out, scheduler);
}

Result<std::vector<SchedulerJob>> parse_history_output(Scheduler scheduler, std::string_view out) {
    if (scheduler == Scheduler::local) return std::vector<SchedulerJob>{};
    if (scheduler == Scheduler::slurm) return parse_sacct(out);
    return parse_poll_output(scheduler, out);
}

} // namespace sluice::jobs
