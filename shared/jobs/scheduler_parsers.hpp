#pragma once
// Parsers for what the commands of scheduler_commands.hpp print. Pure functions: text in, jobs out.
// Garbage is an error that quotes the first line that could not be read.
#include "jobs/job_state.hpp"
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

/// One job as the scheduler sees it, with the Sluice state it maps to. Finished jobs whose exit code
/// is unknown (squeue shows FAILED without one) map to `failed`; status.json or the history command
/// then tell a clean stop (exit 3 → `stopped`) from a failure.
struct SchedulerJob {
    std::string id;
    JobState state = JobState::pending;
    std::string scheduler_state;  ///< as printed: "PENDING", "CANCELLED by 1000", "R", "F"
    std::optional<int> exit_code; ///< the batch script's, i.e. the engine's; 128+N for signal N
    std::string reason;           ///< Slurm's reason, PBS's comment
    std::optional<std::chrono::seconds> elapsed;
    std::string name;
};

/// `[D-][[H:]M:]S` as Slurm and PBS print durations.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

/// Slurm's long state names (squeue %T, sacct State) and the batch script's exit code.
[[nodiscard]] Result<JobState> map_slurm_state(std::string_view state, std::optional<int> exit_code);
/// PBS Pro / Torque one-letter states; finished jobs (F, C) by Exit_status.
[[nodiscard]] Result<JobState> map_pbs_state(std::string_view state, std::optional<int> exit_status,
                                             Scheduler scheduler);

/// `squeue --me -h -t all -o '%i|%T|%r|%M|%l|%j'`.
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_squeue(std::string_view out);
/// `sacct -j IDS -n -P -o JobID,State,ExitCode,Elapsed`; job steps (123.batch, 123.0) are skipped.
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_sacct(std::string_view out);
/// `qstat -f -F json [-x]` (PBS Pro / OpenPBS). Not what polls read: OpenPBS prints only the first of
/// several job ids in this format (tests/data/pbs).
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_pbs_qstat_json(std::string_view out);
/// `qstat -f [-x]` text: what polls read for PBS Pro / OpenPBS and Torque.
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_qstat_full_text(std::string_view out,
                                                                      Scheduler scheduler);

/// Output of poll_command / history_command, whichever parser fits the scheduler.
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_poll_output(Scheduler scheduler, std::string_view out);
[[nodiscard]] Result<std::vector<SchedulerJob>> parse_history_output(Scheduler scheduler,
                                                                     std::string_view out);

/// Ids qstat reported as unknown on stderr ("qstat: Unknown Job Id 123.server"): they left the
/// server's memory, so only status.json can tell what happened.
[[nodiscard]] std::vector<std::string> unknown_pbs_job_ids(std::string_view err);

} // namespace sluice::jobs
