#pragma once
// What differs between schedulers in a job script: the directive block and the MPI launcher.
// Internal to shared/jobs (script.cpp); inputs are validated before these are called.
#include "jobs/profile.hpp"
#include "jobs/script.hpp"
#include "util/error.hpp"

#include <string>
#include <vector>

namespace sluice::jobs {

/// `#SBATCH` lines, including `--signal=B:USR1@<margin>`.
[[nodiscard]] Result<std::string> slurm_directives(const JobSpec& spec, const StopTiming& timing);
/// `#PBS` lines: PBS Pro's `-l select=...` or Torque's `-l nodes=N:ppn=M`.
[[nodiscard]] Result<std::string> pbs_directives(const JobSpec& spec, Scheduler scheduler,
                                                 const StopTiming& timing);

/// The launcher's words before the engine's, e.g. {"srun"} or {"mpiexec", "-n", "8"}.
[[nodiscard]] std::vector<std::string> launcher_words(const JobSpec& spec, const ClusterProfile& profile);

} // namespace sluice::jobs
