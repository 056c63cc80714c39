#include "jobs/job_state.hpp"

#include "jobs/directive_values.hpp"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace sluice::jobs {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 12> names{{
    {JobState::draft, "draft"},
    {JobState::uploading, "uploading"},
    {JobState::submitted, "submitted"},
    {JobState::pending, "pending"},
    {JobState::running, "running"},
    {JobState::stopped, "stopped"},
    {JobState::resubmitted, "resubmitted"},
    {JobState::completed, "completed"},
    {JobState::failed, "failed"},
    {JobState::cancelled, "cancelled"},
    {JobState::downloading, "downloading"},
    {JobState::done, "done"},
}};

} // namespace

std::string_view to_string(JobState s) {
    for (const auto& [state, name] : names)
        if (state == s) return name;
    return "?";
}

Result<JobState> job_state_from_string(std::string_view s) {
    for (const auto& [state, name] : names)
        if (name == s) return state;
    return fail(ErrorKind::bad_input, fmt::format("unknown job state '{}'", printable(s)));
}

std::string_view to_string(JobKind k) {
    return k == JobKind::scaling ? "scaling" : "filter";
}

Result<JobKind> job_kind_from_string(std::string_view s) {
    if (s == "filter") return JobKind::filter;
    if (s == "scaling") return JobKind::scaling;
    return fail(ErrorKind::bad_input, fmt::format("unknown job kind '{}'", printable(s)));
}

bool is_final_on_cluster(JobState s) {
    return s == JobState::stopped || s == JobState::completed || s == JobState::failed ||
           s == JobState::cancelled;
}

} // namespace sluice::jobs
