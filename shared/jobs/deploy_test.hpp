#pragma once
// The deployed engine's first job, for `sluice-cli engine deploy` and the profiles dialog's Send Test
// Job: a small synthetic file written here by this computer's engine, filtered with 2 ranks through the
// cluster's scheduler by the same submit and watch as every job (docs/CLUSTER.md, "Deploying the engine").
#include "jobs/job_runner.hpp"
#include "util/error.hpp"

#include <filesystem>

namespace sluice::jobs {

/// Writes deploy-test.h5 (16 rows of 1024 points at 1 MHz) with find_local_engine()'s `synth` into `dir`
/// (created) and returns its job: a low-pass recipe, 1 node × 2 ranks, 5 minutes, the result in the same
/// folder; the profile's account, partition and QoS are kept.
[[nodiscard]] Result<NewJob> write_deploy_test(const std::filesystem::path& dir,
                                               const ClusterProfile& profile);

} // namespace sluice::jobs
