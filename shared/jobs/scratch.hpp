#pragma once
// What a job leaves in a cluster's scratch once its result is downloaded and verified: its job
// directory and the uploaded input (shared by every job of the same file, by hash). Sites purge scratch
// on their own schedule, but quotas fill long before: the profile says what happens after a download
// (keep, ask, remove), and the user can list and remove a done job's files at any time. An input is
// kept while another job that is not done still needs it. Nothing outside <scratch>/sluice is touched,
// and nothing on this computer (the local profile has no scratch).
#include "jobs/job_host.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::jobs {

struct ScratchFile {
    std::string path;
    std::uint64_t bytes = 0;
    std::vector<std::string> needed_by; ///< other jobs that are not done and use it: it stays
};

/// The job's files on its cluster (job directory, input), with sizes; files already gone are left out.
[[nodiscard]] Result<std::vector<ScratchFile>> list_scratch(JobHost& host, const JobRecord& job,
                                                            const std::vector<JobRecord>& all);

/// Remove the files list_scratch would list that no other job needs; only for a done job. Records it in
/// the job's history. Returns the bytes freed.
[[nodiscard]] Result<std::uint64_t> remove_scratch(JobStore& store, JobHost& host, JobRecord& job,
                                                   const std::vector<JobRecord>& all,
                                                   const RunnerOptions& options);

/// "48 MiB in 2 items (the input stays: job X needs it)", for people.
[[nodiscard]] std::string scratch_text(const std::vector<ScratchFile>& files);

} // namespace sluice::jobs
