#include "jobs/job_supervisor.hpp"

#include "jobs/local_profile.hpp"
#include "jobs/scratch.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace sluice::jobs {

JobSupervisor::JobSupervisor(JobStore& store, ClientFactory factory, RunnerOptions options,
                             PollIntervals intervals, JobMonitor::Now now)
    : store_(store), factory_(std::move(factory)), options_(std::move(options)), intervals_(intervals),
      monitor_(now, intervals), now_(std::move(now)),
      // A holder that missed three slow polls (and a minute at least) is taken to be gone.
      lease_ttl_(std::max<std::chrono::seconds>(3 * intervals.slow, std::chrono::seconds(60))) {}

JobSupervisor::~JobSupervisor() = default;

Result<JobHost*> JobSupervisor::client(const std::string& profile) {
    if (auto it = clients_.find(profile); it != clients_.end()) return it->second.get();
    auto made = factory_(profile);
    if (!made) return propagate(made);
    return clients_.emplace(profile, std::move(*made)).first->second.get();
}

Result<bool> JobSupervisor::round(const std::string& profile, std::vector<JobRecord>& jobs) {
    using enum JobState;
    auto cluster = client(profile);
    if (!cluster) return propagate(cluster);
    bool changed = false;
    const auto active = std::ranges::count_if(
        jobs, [&](const JobRecord& j) { return j.profile == profile && needs_attention(j.state); });
    for (auto& j : jobs)
        if (j.profile == profile && (j.state == draft || j.state == uploading)) {
            (*cluster)->set_purpose(fmt::format("to submit job {}", j.id));
            if (auto st = stage_and_submit(store_, **cluster, j, options_); !st) return propagate(st);
            changed = true;
        }
    (*cluster)->set_purpose(fmt::format("to check {} job{}", active, active == 1 ? "" : "s"));
    auto polled = poll_jobs(store_, **cluster, jobs, options_);
    if (!polled) return propagate(polled);
    changed = changed || *polled;
    for (auto& j : jobs)
        if (j.profile == profile && (j.state == completed || j.state == downloading)) {
            (*cluster)->set_purpose(fmt::format("to download the result of job {}", j.id));
            if (auto st = fetch_result(store_, **cluster, j, options_); !st) return propagate(st);
            // The profile may want the cluster's copies gone once the result is here and verified. A
            // failure to remove them is told, never fatal: the result is safe.
            if (j.state == JobState::done &&
                (*cluster)->profile().scratch_after_download == ScratchPolicy::remove) {
                (*cluster)->set_purpose(fmt::format("to remove the files of job {} from scratch", j.id));
                if (auto freed = remove_scratch(store_, **cluster, j, jobs, options_); !freed) {
                    j.message += "; its files stay on the cluster: " + freed.error().message;
                    (void)store_.update(j);
                }
            }
            changed = true;
        }
    return changed;
}

Result<JobSupervisor::Pass> JobSupervisor::tick(const std::vector<std::string>& only) {
    Pass pass;
    auto got = store_.acquire_lease(this_process_lease(), lease_ttl_);
    if (!got) return propagate(got);
    leader_ = pass.leader = *got;
    if (!leader_) {
        auto holder = store_.lease();
        if (holder && *holder) pass.holder = **holder;
    }
    auto all = store_.list();
    if (!all) return propagate(all);
    for (auto& j : *all)
        if (only.empty() ? needs_attention(j.state) : std::ranges::find(only, j.id) != only.end())
            pass.jobs.push_back(std::move(j));

    if (leader_) {
        std::set<std::string> profiles;
        for (const auto& j : pass.jobs)
            if (needs_attention(j.state)) profiles.insert(j.profile);
        for (const auto& p : profiles)
            monitor_.watch(p);
        for (const auto& profile : monitor_.due()) {
            if (!profiles.contains(profile)) {
                monitor_.forget(profile);
                continue;
            }
            if (auto changed = round(profile, pass.jobs)) {
                // Asking this computer costs nothing: its jobs are looked at every few seconds.
                monitor_.polled(profile, *changed || profile == local_profile_name);
                pass.healthy.push_back(profile);
            } else {
                monitor_.failed(profile);
                const auto c = clients_.find(profile);
                pass.problems.push_back({profile, changed.error().message, monitor_.interval(profile),
                                         c != clients_.end() && c->second->needs_login()});
            }
        }
    }
    pass.idle = std::ranges::none_of(pass.jobs, [](const auto& j) { return needs_attention(j.state); });
    // Followers look again soon to show progress and to take over; the leader wakes for the next poll,
    // and at least every few seconds for new jobs.
    const auto now = now_();
    const auto soon = now + (leader_ ? std::chrono::seconds(5) : std::chrono::seconds(1));
    pass.next_tick = std::min(monitor_.next_due().value_or(soon), soon);
    return pass;
}

void JobSupervisor::log_in(const std::string& profile) {
    if (auto it = clients_.find(profile); it != clients_.end()) it->second->allow_login();
    monitor_.hurry(profile, std::chrono::seconds(0));
}

std::string JobSupervisor::Pass::Problem::text() const {
    return fmt::format("{}: {} (next try in {} s)", profile, message, retry_in.count());
}

void JobSupervisor::release() {
    if (leader_) (void)store_.release_lease(this_process_lease());
    leader_ = false;
}

} // namespace sluice::jobs
