#pragma once
// The "scheduler" of this computer (Scheduler::local): a job is its job script started detached
// (setsid), so closing the app or the terminal never ends it. Its id is "<pid>.<start time>" (the
// process's start in clock ticks, /proc/PID/stat field 22), so a pid reused by another process is not
// taken for the job. The job script's own status.json and progress.json say how it ended, as on a
// cluster. Used through scheduler_commands.hpp and scheduler_parsers.hpp.
#include "jobs/scheduler_parsers.hpp"
#include "util/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

/// Starts job.sh in `job_dir` detached, its output in job.log; prints the job's id.
[[nodiscard]] std::string local_submit_command(std::string_view job_dir);
/// `<id>|RUNNING` or `<id>|ENDED` for every job.
[[nodiscard]] Result<std::string> local_poll_command(const std::vector<std::string>& ids);
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_local_poll(std::string_view out);
/// USR1 to the job script (its trap passes it on to the engine: a clean, resumable stop), if it runs.
[[nodiscard]] Result<std::string> local_stop_command(const std::vector<std::string>& ids);

} // namespace sluice::jobs
