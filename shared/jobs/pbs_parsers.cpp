// PBS Pro / OpenPBS `qstat -f -F json` and the `qstat -f` text layout (both PBS Pro and Torque), from
// their reference manuals; checked against a real OpenPBS 23.06 (tests/data/pbs/*.openpbs-23.06.*).
// Torque's is only checked against its documentation.
#include "jobs/parse_support.hpp"
#include "jobs/scheduler_commands.hpp"
#include "jobs/scheduler_parsers.hpp"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

namespace sluice::jobs {
namespace {

using namespace detail;
using nlohmann::json;

// Exit_status codes the servers set when they end a job at its walltime.
constexpr int pbs_pro_walltime_exceeded = -29; // JOB_EXEC_KILL_WALLTIME
constexpr int torque_walltime_exceeded = -11;  // JOB_EXEC_OVERLIMIT_WT

std::optional<int> to_int(std::string_view s) {
    int v = 0;
    s = trim(s);
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// Servers report a job killed by signal N as 256 + N; we use the shell's 128 + N like sacct's.
std::optional<int> shell_exit_code(std::optional<int> status) {
    if (status && *status > 256) return 128 + (*status - 256);
    return status;
}

Result<SchedulerJob> make_job(std::string id, std::string_view state, std::optional<int> exit_status,
                              std::string_view comment, std::string_view walltime_used, std::string_view name,
                              Scheduler scheduler) {
    if (!check_scheduler_job_id(id)) return fail(ErrorKind::internal, "bad job id");
    auto mapped = map_pbs_state(state, exit_status, scheduler);
    if (!mapped) return propagate(mapped);
    SchedulerJob job;
    job.id = std::move(id);
    job.state = *mapped;
    job.scheduler_state = std::string(state);
    job.exit_code = shell_exit_code(exit_status);
    job.reason = std::string(comment);
    if (!walltime_used.empty()) job.elapsed = parse_duration(walltime_used);
    job.name = std::string(name);
    return job;
}

} // namespace

Result<JobState> map_pbs_state(std::string_view state, std::optional<int> exit_status, Scheduler scheduler) {
    if (state.size() == 1) {
        switch (state.front()) {
        case 'Q': // queued
        case 'H': // held
        case 'W': // waiting for its start time
        case 'T': // in transit to another server
        case 'M': // moved to another server
            return JobState::pending;
        case 'R': // running
        case 'E': // exiting after having run
        case 'B': // array job: at least one subjob started
        case 'S': // suspended
        case 'U': // suspended because the workstation is busy
            return JobState::running;
        case 'F': // finished (PBS Pro history, qstat -x)
        case 'C': // completed (Torque, kept for keep_completed seconds)
        case 'X': // finished subjob
            if (!exit_status) return JobState::cancelled; // deleted before it ever ran
            if (*exit_status == 0) return JobState::completed;
            if (*exit_status == 3) return JobState::stopped;
            if (*exit_status ==
                (scheduler == Scheduler::torque ? torque_walltime_exceeded : pbs_pro_walltime_exceeded))
                return JobState::stopped;
            return JobState::failed;
        default:
            break;
        }
    }
    return fail(ErrorKind::internal, fmt::format("unknown PBS job state '{}'", printable(state)));
}

Result<std::vector<SchedulerJob>> parse_pbs_qstat_json(std::string_view out) {
    const json doc = json::parse(out, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        const auto first = lines(out);
        return cannot_parse("qstat -F json", 1, first.empty() ? std::string_view{} : first.front(),
                            "not a JSON object");
    }
    std::vector<SchedulerJob> jobs;
    const auto it = doc.find("Jobs");
    if (it == doc.end()) return jobs; // no jobs: PBS leaves the key out
    if (!it->is_object()) return cannot_parse("qstat -F json", 1, "Jobs", "not an object");
    for (const auto& [id, attrs] : it->items()) {
        const auto where = fmt::format("job {}", id);
        if (!attrs.is_object() || !attrs.contains("job_state") || !attrs["job_state"].is_string())
            return cannot_parse("qstat -F json", 1, where, "no job_state");
        std::optional<int> exit_status;
        if (const auto e = attrs.find("Exit_status"); e != attrs.end()) {
            if (e->is_number_integer())
                exit_status = e->get<int>();
            else if (e->is_string())
                exit_status = to_int(e->get<std::string>());
            if (!exit_status) return cannot_parse("qstat -F json", 1, where, "Exit_status is not a number");
        }
        const auto str = [&](const json& o, const char* key) {
            const auto v = o.find(key);
            return v != o.end() && v->is_string() ? v->get<std::string>() : std::string();
        };
        std::string used;
        if (const auto r = attrs.find("resources_used"); r != attrs.end() && r->is_object())
            used = str(*r, "walltime");
        auto job = make_job(id, str(attrs, "job_state"), exit_status, str(attrs, "comment"), used,
                            str(attrs, "Job_Name"), Scheduler::pbs);
        if (!job) return cannot_parse("qstat -F json", 1, where, job.error().message);
        jobs.push_back(std::move(*job));
    }
    return jobs;
}

Result<std::vector<SchedulerJob>> parse_qstat_full_text(std::string_view out, Scheduler scheduler) {
    std::vector<SchedulerJob> jobs;
    std::string id;
    std::map<std::string, std::string, std::less<>> attrs;
    std::string* last_value = nullptr;
    std::size_t job_line = 0;
    const auto flush = [&]() -> Status {
        if (id.empty()) return {};
        const auto get = [&](std::string_view key) {
            const auto it = attrs.find(key);
            return it == attrs.end() ? std::string() : it->second;
        };
        std::optional<int> exit_status;
        // Torque writes exit_status, PBS Pro Exit_status.
        for (auto key : {"exit_status", "Exit_status"})
            if (attrs.contains(key)) exit_status = to_int(get(key));
        if ((attrs.contains("exit_status") || attrs.contains("Exit_status")) && !exit_status)
            return cannot_parse("qstat -f", job_line, fmt::format("Job Id: {}", id),
                                "exit status is not a number");
        if (!attrs.contains("job_state"))
            return cannot_parse("qstat -f", job_line, fmt::format("Job Id: {}", id), "no job_state");
        auto job = make_job(id, get("job_state"), exit_status, get("comment"), get("resources_used.walltime"),
                            get("Job_Name"), scheduler);
        if (!job)
            return cannot_parse("qstat -f", job_line, fmt::format("Job Id: {}", id), job.error().message);
        jobs.push_back(std::move(*job));
        id.clear();
        attrs.clear();
        last_value = nullptr;
        return {};
    };
    const auto all = lines(out);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto line = all[i];
        if (trim(line).empty()) {
            last_value = nullptr;
            continue;
        }
        if (line.starts_with("Job Id:")) {
            if (auto st = flush(); !st) return propagate(st);
            id = std::string(trim(line.substr(7)));
            job_line = i + 1;
            if (!check_scheduler_job_id(id)) return cannot_parse("qstat -f", i + 1, line, "bad job id");
            continue;
        }
        // Long values wrap onto lines that start with a tab.
        if (line.front() == '\t' && last_value) {
            *last_value += trim(line);
            continue;
        }
        const auto eq = line.find(" = ");
        if (id.empty() || line.front() != ' ' || eq == std::string_view::npos)
            return cannot_parse("qstat -f", i + 1, line);
        auto [pos, inserted] = attrs.insert_or_assign(std::string(trim(line.substr(0, eq))),
                                                      std::string(trim(line.substr(eq + 3))));
        last_value = &pos->second;
    }
    if (auto st = flush(); !st) return propagate(st);
    return jobs;
}

std::vector<std::string> unknown_pbs_job_ids(std::string_view err) {
    std::vector<std::string> ids;
    constexpr std::string_view marker = "Unknown Job Id ";
    for (auto line : lines(err)) {
        const auto at = line.find(marker);
        if (at == std::string_view::npos) continue;
        auto rest = trim(line.substr(at + marker.size()));
        if (rest.starts_with("Error ")) rest.remove_prefix(6); // Torque: "Unknown Job Id Error 5095.server"
        rest = rest.substr(0, rest.find(' '));
        if (check_scheduler_job_id(rest)) ids.emplace_back(rest);
    }
    return ids;
}

} // namespace sluice::jobs
