#pragma once
// The loop that keeps cluster jobs moving, shared by `sluice-cli watch` and the desktop app: take the
// polling lease, then for every cluster whose poll is due (JobMonitor) submit its drafts, poll its
// jobs, resubmit clean stops and download what completed (JobRunner). Without the lease it only reads
// the store, so two clients never poll or resubmit the same job. One call of tick() is one pass; the
// caller sleeps until next_tick and calls again (a CLI loop, a GUI timer on a worker thread).
#include "jobs/job_monitor.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::jobs {

class JobSupervisor {
public:
    /// A logged-out host for a profile name (profiles.json + the UI's login callbacks).
    using ClientFactory = std::function<Result<std::unique_ptr<JobHost>>(const std::string& profile)>;

    JobSupervisor(JobStore& store, ClientFactory factory, RunnerOptions options, PollIntervals intervals = {},
                  JobMonitor::Now now = MonotonicClock::now);
    ~JobSupervisor();
    JobSupervisor(const JobSupervisor&) = delete;
    JobSupervisor& operator=(const JobSupervisor&) = delete;

    struct Pass {
        bool leader = false;         ///< this process polls; otherwise another one does
        std::optional<Lease> holder; ///< who holds the lease when we do not
        std::vector<JobRecord> jobs; ///< the jobs looked at, as they are now
        bool idle = false;           ///< none of them needs attention any more
        struct Problem {
            std::string profile;
            std::string message;             ///< why the round failed
            std::chrono::seconds retry_in{}; ///< when it is tried again
            bool needs_login = false;        ///< a login question was cancelled: the user must log in
            /// "hpc: <message> (next try in 20 s)", for a terminal.
            [[nodiscard]] std::string text() const;
        };
        std::vector<Problem> problems;    ///< clusters whose round failed (each is retried later)
        std::vector<std::string> healthy; ///< clusters whose round worked: their earlier problems are over
        MonotonicClock::time_point next_tick{};
    };
    /// One pass over the jobs in `only` (empty: every job that needs attention).
    [[nodiscard]] Result<Pass> tick(const std::vector<std::string>& only = {});
    /// Give the lease up (at exit), so another client can poll at once.
    void release();

    /// The host of a profile, logged in on first use; for submit, cancel and fetch between passes.
    [[nodiscard]] Result<JobHost*> client(const std::string& profile);
    /// A job was submitted or cancelled on `profile`: poll it soon.
    void nudge(const std::string& profile) { monitor_.nudge(profile); }
    /// The user asked to check now: poll at once (at most every 2 s per cluster).
    void hurry(const std::string& profile, std::chrono::seconds min_gap = std::chrono::seconds(2)) {
        monitor_.hurry(profile, min_gap);
    }
    /// The user chose to log in to the profile's cluster: ask again, now.
    void log_in(const std::string& profile);

private:
    Result<bool> round(const std::string& profile, std::vector<JobRecord>& jobs);

    JobStore& store_;
    ClientFactory factory_;
    RunnerOptions options_;
    PollIntervals intervals_;
    JobMonitor monitor_;
    JobMonitor::Now now_;
    std::map<std::string, std::unique_ptr<JobHost>> clients_;
    bool leader_ = false;
    std::chrono::seconds lease_ttl_;
};

} // namespace sluice::jobs
