#pragma once
// The deployed engine's first job, for `sluice-cli engine deploy` and the profiles dialog's Send Test
// Job: a small synthetic file written here by this computer's engine, filtered with 2 ranks through the
// cluster's scheduler by the same submit and watch as every job (docs/CLUSTER.md, "Deploying the engine").
#include "jobs/job_runner.hpp"
#include "util/error.hpp"

#include <filesystem>

namespace sluice::jobs {

struct DeployTest {
    std::filesystem::path recipe; ///< recipe.json beside the input
    NewJob job;                   ///< 1 node × 2 ranks, 5 minutes; the result goes into the same folder
};

/// Writes deploy-test.h5 (16 rows of 1024 points at 1 MHz) with find_local_engine()'s `synth` and a
/// low-pass recipe into `dir` (created); the job keeps the profile's account, partition and QoS.
[[nodiscard]] Result<DeployTest> write_deploy_test(const std::filesystem::path& dir,
                                                   const ClusterProfile& profile);

} // namespace sluice::jobs
