#pragma once
// What the job states of DESIGN §7 call for, done on one profile's JobHost (cluster_client.hpp): upload
// (skipped when a verified copy is there) → recipe + script → submit → poll (one scheduler command for all
// jobs) → resubmit after a clean stop → download (verified) → done. Every transition is written to the
// JobStore before the next step starts, so a client restarted at any point continues where it stopped.
#include "jobs/job_host.hpp"
#include "jobs/job_store.hpp"
#include "jobs/profile.hpp"
#include "jobs/script.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

struct RunnerOptions {
    int max_resubmits = 5;
    /// After every transition written to the store.
    std::function<void(const JobRecord&)> on_change;
    /// Upload and download progress: "upload" | "download", bytes done, total.
    std::function<void(std::string_view what, std::uint64_t done, std::uint64_t total)> transfer_progress;
    std::stop_token cancel;
};

struct NewJob {
    std::string profile;
    std::filesystem::path input;
    std::string dataset;
    std::string recipe_json;
    std::optional<Resources> resources; ///< unset: the profile's
    std::optional<int> block_rows;
    std::filesystem::path local_output;      ///< empty: `<input stem>-filtered-NNN.h5` in output_dir
    std::filesystem::path output_dir;        ///< empty: beside the input
    std::optional<std::string> input_sha256; ///< when already known (re-planning while the user edits)
    /// A scaling study instead of a filter run: its rank counts and sample (unset: default_sample_rows,
    /// capped at the dataset's rows). The job's nodes grow to hold the largest count.
    JobKind kind = JobKind::filter;
    std::vector<int> study_ranks;
    std::optional<std::int64_t> sample_rows;
};

struct JobPlan {
    JobRecord record; ///< Draft, not yet in any store
    JobSpec spec;
    std::string script;
    std::int64_t points = 0;        ///< per row of the dataset
    std::optional<StudySpec> study; ///< for a scaling study
};

/// `$XDG_DATA_HOME/sluice/scaling`: where studies' scaling.json files are kept, `<job id>.json`.
[[nodiscard]] Result<std::filesystem::path> scaling_results_directory();

/// Everything checked that can be checked here, before any compute or transfer is spent: the dataset is
/// an h5USID Main dataset, the recipe fits it (both validation stages), the resources suit the
/// scheduler. Hashes the input. The script is what `--dry-run` prints.
[[nodiscard]] Result<JobPlan> plan_job(const ClusterProfile& profile, const NewJob& job,
                                       WallClock::time_point now = WallClock::now());

/// Draft/Uploading → Uploading → Submitted: upload, job directory with recipe.json and job.sh, submit.
/// On failure the job stays draft/uploading (tried again later) with the reason as its message.
[[nodiscard]] Status stage_and_submit(JobStore& store, JobHost& host, JobRecord& job,
                                      const RunnerOptions& options);

/// One poll for `jobs` (the profile's active jobs): one scheduler command for all of them; for jobs that
/// finished, one history command and one read of their job directories. Records transitions and
/// resubmits clean stops (after_stop). Returns whether any job changed.
[[nodiscard]] Result<bool> poll_jobs(JobStore& store, JobHost& host, std::vector<JobRecord>& jobs,
                                     const RunnerOptions& options);

/// Completed → Downloading → Done: the result downloaded, verified, renamed to job.local_output (a
/// study's scaling.json, into its directory created when needed).
[[nodiscard]] Status fetch_result(JobStore& store, JobHost& host, JobRecord& job,
                                  const RunnerOptions& options);

/// Hard cancel (scancel / qdel; nothing to ask for a job never submitted), recorded as Cancelled at
/// once: the job script stops the engine cleanly on scancel, which must not read as a walltime stop to
/// resubmit. Refused for jobs that already ended on their cluster. On this computer a cancel is a clean
/// stop (USR1): the job becomes "stopped", resumable, at the next poll.
[[nodiscard]] Status cancel_job(JobStore& store, JobHost& host, JobRecord& job, const RunnerOptions& options);

/// Stopped, failed or cancelled → resubmitted: the same job script again as submission n + 1; the engine
/// resumes from the result's checkpoint. For the user's "Resume" (clusters resubmit clean stops by
/// themselves; this computer waits for the user).
[[nodiscard]] Status resubmit_job(JobStore& store, JobHost& host, JobRecord& job,
                                  const RunnerOptions& options);

/// States in which the client still has something to do for a job.
[[nodiscard]] bool needs_attention(JobState s);

/// `<dir>/<stem>-filtered-NNN.h5`, the first NNN not taken; `dir` empty: the input's folder.
[[nodiscard]] Result<std::filesystem::path> result_path_beside(const std::filesystem::path& input,
                                                               const std::filesystem::path& dir = {});

} // namespace sluice::jobs
