#pragma once
// status.json, written by the job script (script.cpp) into the job directory:
// {"state": "running|completed|stopped|failed", "exit_code": n|null, "started": "ISO-8601 UTC",
//  "ended": "ISO-8601 UTC"|null, "host": "...", "engine_progress": "progress.json"}
// "running" after the job ended means the script was killed (SIGKILL at walltime, node failure).
// The engine's progress.json beside it (DESIGN §5) tells how far the job got.
#include "jobs/job_state.hpp"
#include "util/error.hpp"

#include <cstdint>
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

/// The engine's progress file (DESIGN §5), as far as the client needs it.
struct EngineProgress {
    std::string state; ///< starting, running, stopping, stopped, done, failed
    std::int64_t rows_done = 0;
    std::int64_t rows_total = 0;
    double rows_per_s = 0;
    double eta_s = 0;
};
[[nodiscard]] Result<EngineProgress> parse_engine_progress(std::string_view json_text);

/// What a job directory tells about its job: status.json and progress.json, each absent until written.
struct JobFiles {
    std::optional<Result<JobStatusFile>> status;
    std::optional<Result<EngineProgress>> progress;
    std::optional<bool> input_present; ///< whether the job's input is still on the cluster, when asked
};
/// Output of read_status_command (`<job-id> status|progress <json>` and `<job-id> input present|missing`
/// lines): job id → its files. Jobs the listing says nothing about are absent.
[[nodiscard]] Result<std::map<std::string, JobFiles>> parse_status_listing(std::string_view out);

} // namespace sluice::jobs
