#pragma once
// The life of a Sluice job (DESIGN §7): Draft → Uploading → Submitted → Pending → Running →
// (Stopped → Resubmitted)* → Completed | Failed | Cancelled → Downloading → Done.
#include "util/error.hpp"

#include <string_view>

namespace sluice::jobs {

enum class JobState {
    draft,
    uploading,
    submitted,
    pending,
    running,
    stopped, ///< the engine stopped cleanly (exit 3, walltime, preemption): resumable
    resubmitted,
    completed,
    failed,
    cancelled,
    downloading,
    done,
};

[[nodiscard]] std::string_view to_string(JobState s);
[[nodiscard]] Result<JobState> job_state_from_string(std::string_view s);

/// What a job does: filter a dataset into a result, or time the engine on a row sample at several rank
/// counts (a scaling study, DESIGN §7, whose result is scaling.json).
enum class JobKind { filter, scaling };

[[nodiscard]] std::string_view to_string(JobKind k);
[[nodiscard]] Result<JobKind> job_kind_from_string(std::string_view s);

/// A state the scheduler will not change any more.
[[nodiscard]] bool is_final_on_cluster(JobState s);

} // namespace sluice::jobs
