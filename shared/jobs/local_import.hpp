#pragma once
// Runs on this computer made by earlier versions of the desktop app were kept as JSON records in
// `<data dir>/sluice/local-runs/`. They become ordinary "local" jobs in the JobStore, once: done and
// failed runs as they ended, stopped ones resumable (a job directory with the job script is made for
// them), and a run still going as a running job followed like any other. The directory is then renamed
// to local-runs.imported.
#include "jobs/job_store.hpp"
#include "util/error.hpp"

#include <filesystem>

namespace sluice::jobs {

/// Returns how many runs were imported (0 when there is nothing to import).
[[nodiscard]] Result<int> import_local_runs(JobStore& store, const std::filesystem::path& records_dir);

/// `<data dir>/sluice/local-runs`.
[[nodiscard]] Result<std::filesystem::path> default_local_runs_dir();

} // namespace sluice::jobs
