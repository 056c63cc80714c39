#pragma once
// `engine deploy`'s build as a short batch job, for clusters whose login nodes forbid or throttle
// compiling (docs/ADMIN.md, "Users deploy it themselves"): the build script runs in a job of one node
// with the profile's account, partition, modules, environment and prologue, and the client follows it
// through status.json and the scheduler's queue like every job.
#include "jobs/cluster_client.hpp"
#include "jobs/profile_check.hpp"
#include "util/error.hpp"

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::jobs {

struct BuildJob {
    std::string job_id;            ///< Sluice's job id: names the job directory and the scheduler job
    std::string script;            ///< shell text reading its arguments as $1, $2, ...
    std::vector<std::string> args; ///< quoted into the job script
    int cpus = 4;                  ///< tasks on the one node: the build's parallel compiles
    int minutes = 30;              ///< the job's walltime
    std::chrono::seconds poll_interval{10};
};

/// The job script: `job.script` in a subshell with `set -e` and `job.args`, its output in build.out and
/// build.err in the job directory, its exit status the job's and status.json's.
[[nodiscard]] Result<std::string> build_job_script(const ClusterProfile& profile, const BuildJob& job);

/// Submits `job` under `profile` and waits for it; returns what its script printed on stdout. A failed
/// script's error is its first line of stderr (the build says what to load there), its last lines go to
/// `on_line`; a job that left the queue without finishing (walltime, cancelled by an admin) says so.
/// `cancel` cancels the job (scancel/qdel). The job directory is removed when the job succeeded.
[[nodiscard]] Result<std::string> run_build_job(ClusterClient& cluster, const ClusterProfile& profile,
                                                const BuildJob& job,
                                                const std::function<void(const CheckLine&)>& on_line,
                                                std::stop_token cancel);

} // namespace sluice::jobs
