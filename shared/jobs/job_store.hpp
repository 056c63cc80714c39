#pragma once
// The JobStore (DESIGN §7): every job the user started, on a cluster or on this computer, in one SQLite
// file shared by the GUI and sluice-cli (`$XDG_DATA_HOME/sluice/jobs.sqlite`, WAL, busy timeout). Every
// transition is written before the client acts on it, so a restarted client continues where it stopped.
// One process at a time polls and resubmits: the one holding the lease (pid + heartbeat); others read.
#include "jobs/job_state.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

using WallClock = std::chrono::system_clock;

struct JobRecord {
    std::string id; ///< Sluice's job id: names the job directory
    JobKind kind = JobKind::filter;
    std::string profile; ///< cluster profile name
    JobState state = JobState::draft;
    std::string scheduler_id; ///< of the latest submission
    int submissions = 0;      ///< 1 after the first submit, +1 per resubmission
    std::string local_input;  ///< the user's file on this computer
    std::string dataset;
    std::string recipe_json;
    std::string input_sha256;
    std::string remote_input;   ///< the verified copy on the cluster
    std::string local_output;   ///< where the result is downloaded to (a study: its scaling.json)
    std::string result_sha256;  ///< of the downloaded result, once verified
    std::string resources_json; ///< the job's Resources as submitted (profile defaults + edits)
    std::string job_script;     ///< exactly what was submitted (and is resubmitted)
    std::int64_t rows_done = 0; ///< at the last observation
    std::int64_t rows_total = 0;
    std::int64_t rows_at_submit = 0; ///< rows_done when the latest submission was made
    std::optional<int> exit_code;
    std::string message; ///< why the job is in its state, for people
    WallClock::time_point created{};
    WallClock::time_point updated{};
    std::string merged_into; ///< "<source> as <group>" once the result was merged; empty until then
    // What the last poll saw, for people (nothing decides on them).
    std::string node;                ///< where the job script ran (its status.json's host)
    std::string queue_reason;        ///< why a pending job waits (Slurm's reason, PBS's comment)
    std::string started;             ///< when the job script started, ISO 8601 UTC, as status.json says
    std::string ended;               ///< when it ended, likewise
    std::int64_t elapsed_s = -1;     ///< the scheduler's elapsed time of the latest submission; -1: unknown
    WallClock::time_point checked{}; ///< the last poll that saw the job
};

/// A finished scaling study (scaling.hpp), kept per profile and dataset size for suggestions.
struct StoredStudy {
    std::string job_id;
    std::string profile;
    std::int64_t rows = 0;   ///< of the dataset studied
    std::int64_t points = 0; ///< per row
    std::string recipe_sha256;
    WallClock::time_point at{};
    std::string study_json; ///< scaling.json as the job wrote it
};

struct JobEvent {
    WallClock::time_point at{};
    JobState state = JobState::draft;
    std::string message;
};

struct Lease {
    std::int64_t pid = 0;
    std::string host;
    WallClock::time_point heartbeat{};
};

/// `$XDG_DATA_HOME/sluice/jobs.sqlite`, `$HOME/.local/share/...` when XDG_DATA_HOME is unset or relative.
[[nodiscard]] Result<std::filesystem::path> default_job_store_path();

class JobStore {
public:
    /// Opens (creating the file and its directory when needed) and brings the schema up to date.
    [[nodiscard]] static Result<JobStore> open(const std::filesystem::path& file);
    JobStore(JobStore&&) noexcept;
    JobStore& operator=(JobStore&&) noexcept;
    ~JobStore();

    /// A new job; its id must be unused. Records its first event.
    [[nodiscard]] Status insert(const JobRecord& job);
    /// Replace the job's row; a state change (or a non-empty `event`) is also recorded as an event.
    /// Both in one transaction.
    [[nodiscard]] Status update(const JobRecord& job);
    [[nodiscard]] Result<std::optional<JobRecord>> find(std::string_view id) const;
    /// Forget a job and its events (its files are the caller's business).
    [[nodiscard]] Status remove(std::string_view id);
    /// Oldest first.
    [[nodiscard]] Result<std::vector<JobRecord>> list() const;
    [[nodiscard]] Result<std::vector<JobEvent>> events(std::string_view id) const;

    /// Keep a finished study (replacing one of the same job).
    [[nodiscard]] Status add_study(const StoredStudy& study);
    /// The profile's studies, newest first.
    [[nodiscard]] Result<std::vector<StoredStudy>> studies(std::string_view profile) const;

    /// Take the polling lease if nobody holds it, its holder's heartbeat is older than `ttl`, or the
    /// holder is a process of this host that no longer exists. Returns whether we hold it now.
    [[nodiscard]] Result<bool> acquire_lease(const Lease& me, std::chrono::seconds ttl);
    /// Heartbeat; fails with `refused` if another process took the lease meanwhile.
    [[nodiscard]] Status renew_lease(const Lease& me);
    [[nodiscard]] Status release_lease(const Lease& me);
    [[nodiscard]] Result<std::optional<Lease>> lease() const;

private:
    struct Db;
    explicit JobStore(std::unique_ptr<Db> db);
    std::unique_ptr<Db> db_;
};

/// This process as a lease holder (getpid, host name) at `now`.
[[nodiscard]] Lease this_process_lease(WallClock::time_point now = WallClock::now());

/// A new Sluice job id: UTC time plus random hex ("20261123-142501-3fa9c1"), sortable and unique.
[[nodiscard]] std::string new_job_id(WallClock::time_point now = WallClock::now());

} // namespace sluice::jobs
