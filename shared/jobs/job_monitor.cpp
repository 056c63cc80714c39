#include "jobs/job_monitor.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::jobs {

JobMonitor::JobMonitor(Now now, PollIntervals intervals) : now_(std::move(now)), iv_(intervals) {}

void JobMonitor::watch(const std::string& cluster) {
    if (!clusters_.contains(cluster)) clusters_[cluster] = Schedule{now_(), iv_.fast, 0};
}

void JobMonitor::forget(const std::string& cluster) {
    clusters_.erase(cluster);
}

void JobMonitor::nudge(const std::string& cluster) {
    auto& s = clusters_[cluster];
    s.interval = iv_.fast;
    const auto soon = now_() + iv_.fast;
    // A nudge never delays a poll that is due earlier (e.g. a new cluster, due at once).
    if (s.due == MonotonicClock::time_point{} || s.due > soon) s.due = soon;
}

void JobMonitor::hurry(const std::string& cluster, std::chrono::seconds min_gap) {
    auto& s = clusters_[cluster];
    const auto earliest = s.last == MonotonicClock::time_point{} ? now_() : s.last + min_gap;
    s.interval = iv_.fast;
    s.due = std::max(now_(), earliest);
}

void JobMonitor::polled(const std::string& cluster, bool changed) {
    auto& s = clusters_[cluster];
    s.last = now_();
    // After an outage the backoff starts again from the short interval, not from the error wait.
    const auto base = s.failures > 0 ? iv_.fast : std::max(s.interval, iv_.fast);
    s.failures = 0;
    s.interval = changed ? iv_.fast : std::min<std::chrono::seconds>(base * 2, iv_.slow);
    s.due = now_() + s.interval;
}

void JobMonitor::failed(const std::string& cluster) {
    auto& s = clusters_[cluster];
    s.last = now_();
    ++s.failures;
    auto wait = iv_.error_first;
    for (int i = 1; i < s.failures && wait < iv_.error_max; ++i)
        wait *= 2;
    s.interval = std::min(wait, iv_.error_max);
    s.due = now_() + s.interval;
}

std::vector<std::string> JobMonitor::due() const {
    std::vector<std::string> out;
    const auto now = now_();
    for (const auto& [name, s] : clusters_)
        if (s.due <= now) out.push_back(name);
    return out;
}

std::optional<MonotonicClock::time_point> JobMonitor::next_due() const {
    std::optional<MonotonicClock::time_point> first;
    for (const auto& [name, s] : clusters_)
        if (!first || s.due < *first) first = s.due;
    return first;
}

std::chrono::seconds JobMonitor::interval(const std::string& cluster) const {
    const auto it = clusters_.find(cluster);
    return it == clusters_.end() ? std::chrono::seconds{0} : it->second.interval;
}

int JobMonitor::failures(const std::string& cluster) const {
    const auto it = clusters_.find(cluster);
    return it == clusters_.end() ? 0 : it->second.failures;
}

namespace {

std::string exit_text(std::optional<int> code) {
    if (!code) return "without an exit code";
    if (*code > 128) return fmt::format("killed by signal {}", *code - 128);
    return fmt::format("with exit code {}", *code);
}

std::string scheduler_words(const SchedulerJob& j) {
    return j.reason.empty() || j.reason == "None" ? j.scheduler_state
                                                  : fmt::format("{}, {}", j.scheduler_state, j.reason);
}

} // namespace

JobRecord reconcile(const JobRecord& job, const Observation& seen) {
    JobRecord r = job;
    if (seen.files.progress && seen.files.progress->has_value()) {
        r.rows_done = (*seen.files.progress)->rows_done;
        r.rows_total = (*seen.files.progress)->rows_total;
    }
    // The job script's own status file knows the engine's exit code best; the scheduler knows about
    // jobs that never ran or were killed before the script could write it.
    const JobStatusFile* status =
        seen.files.status && seen.files.status->has_value() ? &**seen.files.status : nullptr;
    const SchedulerJob* sched = seen.history ? &*seen.history : seen.queue ? &*seen.queue : nullptr;
    // scancel makes the script stop the engine cleanly too, but a cancelled job must not be resubmitted.
    const bool cancelled = sched && sched->scheduler_state.starts_with("CANCELLED");
    // A job killed at its walltime (PBS: SIGTERM to every process of the job) also kills mpiexec, whose
    // exit then reads as a failure in status.json: the scheduler's verdict decides, so a failure waits
    // for it while the scheduler still shows the job. The engine's checkpoint makes such a run resumable.
    const bool status_failed = status && status->state == JobState::failed;
    const bool scheduler_decides =
        status_failed && sched && (sched->state == JobState::stopped || !is_final_on_cluster(sched->state));
    if (status && status->state != JobState::running && status->ended &&
        !(cancelled && status->state == JobState::stopped) && !scheduler_decides) {
        r.state = status->state;
        r.exit_code = status->exit_code;
        switch (status->state) {
        case JobState::completed:
            r.message = fmt::format("completed on {}", status->host);
            break;
        case JobState::stopped:
            r.message = fmt::format("stopped cleanly on {} after {} of {} rows; resumable", status->host,
                                    r.rows_done, r.rows_total);
            break;
        default:
            r.message = fmt::format("sluice-engine ended {} on {}; its messages are in the job directory's "
                                    "scheduler output file",
                                    exit_text(status->exit_code), status->host);
        }
        return r;
    }
    if (!sched) return r;
    if (!is_final_on_cluster(sched->state)) {
        r.state = sched->state;
        r.message = sched->state == JobState::pending
                        ? fmt::format("waiting in the queue ({})", scheduler_words(*sched))
                        : fmt::format("running ({} of {} rows)", r.rows_done, r.rows_total);
        return r;
    }
    r.state = cancelled ? JobState::cancelled : sched->state;
    r.exit_code = sched->exit_code;
    switch (r.state) {
    case JobState::completed:
        r.message = "completed";
        break;
    case JobState::cancelled:
        r.message = fmt::format("cancelled ({})", scheduler_words(*sched));
        break;
    case JobState::stopped:
        // Ended by walltime or preemption before the script could write its status (here: killed, or
        // the computer restarted): the engine checkpoints, so the job resumes from its last checkpoint.
        r.message = sched->scheduler_state == "ENDED"
                        ? fmt::format("the run ended without a final status (killed, or the computer "
                                      "restarted) after {} of {} rows; resumable",
                                      r.rows_done, r.rows_total)
                        : fmt::format("ended by the scheduler ({}) after {} of {} rows; resumable",
                                      scheduler_words(*sched), r.rows_done, r.rows_total);
        break;
    default:
        r.message =
            fmt::format("the scheduler reports {} {}", scheduler_words(*sched), exit_text(sched->exit_code));
    }
    return r;
}

AfterStop after_stop(const JobRecord& job, int max_resubmits) {
    if (job.submissions - 1 >= max_resubmits) return AfterStop::give_up_too_many;
    if (job.rows_done <= job.rows_at_submit) return AfterStop::give_up_no_progress;
    return AfterStop::resubmit;
}

} // namespace sluice::jobs
