#pragma once
// "This computer" as a profile like any cluster: always there, listed first, never stored in
// profiles.json. Its jobs live in the same JobStore with the same states; they run the same job script
// (without scheduler directives or a walltime) under mpirun, detached from whoever started them, in
// `<data dir>/sluice/jobs/<job-id>/`. The input is read in place and the result written beside it.
#include "jobs/profile.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <string_view>

namespace sluice::jobs {

inline constexpr std::string_view local_profile_name = "local";

/// The built-in profile: scheduler local, jobs under $XDG_DATA_HOME/sluice (`$HOME/.local/share` when
/// unset or relative), one rank per physical core, the engine found by find_local_engine().
[[nodiscard]] Result<ClusterProfile> local_profile();

[[nodiscard]] bool is_local(const ClusterProfile& profile);

/// sluice-engine for local jobs: $SLUICE_ENGINE, else beside the running program, else the build tree's
/// engine/ beside it, else PATH. Empty when there is none.
[[nodiscard]] std::filesystem::path find_local_engine();

/// Distinct (package, core) pairs among the CPUs this process may use: hyper-threads share an FPU and
/// gain nothing for FFTs, and a container's CPU set is smaller than the machine.
[[nodiscard]] int physical_cores();

/// mpirun is on PATH and OpenMPI will run: as root it refuses unless both OMPI_ALLOW_RUN_AS_ROOT
/// variables are set (the product never sets them itself).
[[nodiscard]] bool mpirun_usable();

} // namespace sluice::jobs
