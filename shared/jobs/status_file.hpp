#pragma once
// status.json, written by the job script (script.cpp) into the job directory:
// {"state": "running|completed|stopped|failed", "exit_code": n|null, "started": "ISO-8601 UTC",
//  "ended": "ISO-8601 UTC"|null, "host": "...", "engine_progress": "progress.json"}
// "running" after the job ended means the script was killed (SIGKILL at walltime, node failure).
#include "jobs/job_state.hpp"
#include "util/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::jobs {

struct JobStatusFile {
    JobState state = JobState::running; ///< running, completed, stopped or failed
    std::optional<int> exit_code;       ///< the engine's; absent when it never finished
    std::string started;
    std::optional<std::string> ended;
    std::string host;
    std::string engine_progress;
};

[[nodiscard]] Result<JobStatusFile> parse_status_file(std::string_view json_text);

/// Output of read_status_command: job id → its status (or why it could not be read).
[[nodiscard]] Result<std::map<std::string, Result<JobStatusFile>>> parse_status_listing(std::string_view out);

} // namespace sluice::jobs
