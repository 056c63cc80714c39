#pragma once
// Job scripts (DESIGN §7): directives from the scheduler's adapter, then one bash body for every
// scheduler: set -euo pipefail, modules, environment, cd to the job directory, the engine launched in
// the background with USR1 forwarded, its exit code captured, status.json written on every exit a trap
// can catch. Directive values are whitelisted (directive_values.hpp); every value on a shell line goes
// through shell_quote.
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

/// Files in the job directory.
inline constexpr std::string_view job_script_file = "job.sh";
inline constexpr std::string_view recipe_file = "recipe.json";
inline constexpr std::string_view progress_file = "progress.json";
inline constexpr std::string_view status_file = "status.json";

/// How a job stops before its walltime. Slurm signals the batch shell `signal_margin` before the end (up
/// to 60 s early), and the engine also stops itself after `time_limit` = walltime − margin − 60 s. PBS
/// and Torque send no such signal (at the walltime the MoM kills every process of the job): there the
/// engine's `time_limit` = walltime − margin is the early stop, and the margin is what the engine's
/// start, its last block and its exit may take.
struct StopTiming {
    std::chrono::seconds walltime{};
    std::chrono::seconds signal_margin{}; ///< clamp(10 % of walltime, 60 s, 600 s)
    std::chrono::seconds time_limit{};
};

/// Shell variables a profile's environment may not set: the job script's own (its status file and stop
/// handling depend on them) and those that change how bash itself reads the script.
[[nodiscard]] bool is_reserved_variable(std::string_view name);

/// Time the engine needs at least; shorter walltimes are refused.
inline constexpr std::chrono::seconds min_engine_time{60};

[[nodiscard]] Result<StopTiming> stop_timing(std::chrono::seconds walltime, Scheduler scheduler);

/// The whole script for `spec` on `profile`'s cluster; both are validated first.
[[nodiscard]] Result<std::string> job_script(const ClusterProfile& profile, const JobSpec& spec);

/// A scaling study's runs (scaling.hpp): the engine on rows first_row..first_row+sample_rows-1 once per
/// rank count, in ascending order. The counts are part of the job, the dataset's shape is written into
/// scaling.json for the client's projection.
struct StudySpec {
    std::vector<int> ranks;
    std::int64_t first_row = 0;
    std::int64_t sample_rows = 0;
    std::int64_t dataset_rows = 0;
    std::int64_t points = 0;
};

/// Checks a study against the profile: rank counts ascending, distinct, ≥ 1 and within the job's
/// resources (nodes × tasks per node; on this computer a count above 1 needs mpirun); a sample of ≥ 1 row
/// inside the dataset.
[[nodiscard]] Status validate_study(const ClusterProfile& profile, const JobSpec& spec,
                                    const StudySpec& study);

/// The job script of a study: the same directives, status.json, modules and stop handling as
/// job_script(); then one engine run per rank count with --rows, --stats and a scratch result removed
/// after it, the study's progress.json, and scaling.json gathered at the end. A stop ends the current
/// run and starts no other (exit 3); a failed run ends the study with its exit code. `spec.output` names
/// the scratch result (one per rank count: `<ranks>-<output>`).
[[nodiscard]] Result<std::string> study_script(const ClusterProfile& profile, const JobSpec& spec,
                                               const StudySpec& study);

/// The job's module and environment lines, then `sluice-engine --version` as the job would start it:
/// `sluice-cli profile test` runs it on the login node to show the engine is found.
[[nodiscard]] std::string engine_check_script(const ClusterProfile& profile);

/// A job that runs `body` (shell text) instead of the engine, after the same head as every job:
/// directives for `spec.resources`, the stop trap, the job directory, status.json, modules, environment
/// and prologue. `body` sets `engine_rc` to its exit status, which status.json reports as the engine's
/// (`sluice-cli engine deploy --in-job` builds the engine this way).
[[nodiscard]] Result<std::string> batch_script(const ClusterProfile& profile, const JobSpec& spec,
                                               std::string_view body);

/// The job's module and environment lines alone (module loads, exports), for other scripts that must
/// see what a job sees: `sluice-cli engine deploy` builds the engine under them.
[[nodiscard]] std::string environment_script(const ClusterProfile& profile);

} // namespace sluice::jobs
