#pragma once
// When to ask a cluster about its jobs, and what the answers mean (DESIGN §7). Pure: the clock is
// injected and no I/O happens here; job_runner.hpp does the asking.
//
// Polling: ONE scheduler command per cluster per poll for all jobs. The interval is short (5 s) after
// something changed and doubles up to 60 s while nothing does; a failed poll (connection lost) backs
// off from 10 s to 5 min, so a suspended laptop or a cluster in maintenance is not hammered.
#include "jobs/job_state.hpp"
#include "jobs/job_store.hpp"
#include "jobs/scheduler_parsers.hpp"
#include "jobs/status_file.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::jobs {

using MonotonicClock = std::chrono::steady_clock;

struct PollIntervals {
    std::chrono::seconds fast{5};
    std::chrono::seconds slow{60};
    std::chrono::seconds error_first{10};
    std::chrono::seconds error_max{300};
};

/// Poll times of the clusters with active jobs.
class JobMonitor {
public:
    using Now = std::function<MonotonicClock::time_point()>;
    explicit JobMonitor(Now now = MonotonicClock::now, PollIntervals intervals = {});

    /// Start watching a cluster (due at once) or stop watching it.
    void watch(const std::string& cluster);
    void forget(const std::string& cluster);
    /// Something happened that the next poll should see soon (submitted, cancelled): due after `fast`.
    void nudge(const std::string& cluster);
    /// The user asked to look now: due at once, but not sooner than `min_gap` after the last poll.
    void hurry(const std::string& cluster, std::chrono::seconds min_gap = std::chrono::seconds(2));
    /// A poll finished; `changed`: some job changed state.
    void polled(const std::string& cluster, bool changed);
    /// A poll failed (connection, timeout): back off.
    void failed(const std::string& cluster);

    [[nodiscard]] std::vector<std::string> due() const;
    /// The earliest time a watched cluster is due; nullopt when nothing is watched.
    [[nodiscard]] std::optional<MonotonicClock::time_point> next_due() const;
    [[nodiscard]] std::chrono::seconds interval(const std::string& cluster) const;
    [[nodiscard]] int failures(const std::string& cluster) const;

private:
    struct Schedule {
        MonotonicClock::time_point due{};
        std::chrono::seconds interval{};
        int failures = 0;
        MonotonicClock::time_point last{}; ///< when the last poll ended
    };
    Now now_;
    PollIntervals iv_;
    std::map<std::string, Schedule> clusters_;
};

/// Everything one poll learnt about one job.
struct Observation {
    std::optional<SchedulerJob> queue;   ///< the poll command's line for the job
    std::optional<SchedulerJob> history; ///< sacct / qstat -x, for jobs no longer (or finished) in the queue
    JobFiles files;                      ///< status.json and progress.json of the job directory
};

/// The job's new state, exit code, rows and message from what was observed. A job the scheduler no
/// longer knows and that wrote no final status stays as it is (the next poll may see it).
[[nodiscard]] JobRecord reconcile(const JobRecord& job, const Observation& seen);

/// What to do with a job that stopped cleanly (exit 3, walltime, preemption).
enum class AfterStop { resubmit, give_up_no_progress, give_up_too_many };
/// Resubmit at most `max_resubmits` times, and only if the last run got further than where it started
/// (no endless loop on a job that cannot make progress).
[[nodiscard]] AfterStop after_stop(const JobRecord& job, int max_resubmits);

} // namespace sluice::jobs
