// Slurm directives (sbatch(1)). Every value here was checked against its whitelist or is a number.
#include "jobs/directive_values.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/scheduler_adapters.hpp"

#include <fmt/format.h>

namespace sluice::jobs {

Result<std::string> slurm_directives(const JobSpec& spec, const StopTiming& timing) {
    const auto& r = spec.resources;
    std::string out;
    const auto line = [&out](std::string_view option, std::string_view value) {
        out += fmt::format("#SBATCH --{}={}\n", option, value);
    };
    line("job-name", fmt::format("sluice-{}", spec.job_id));
    line("nodes", std::to_string(r.nodes));
    line("ntasks-per-node", std::to_string(r.tasks_per_node));
    line("time", format_slurm_time(timing.walltime));
    // B: the batch shell only; its trap forwards USR1 to the engine through srun.
    line("signal", fmt::format("B:USR1@{}", timing.signal_margin.count()));
    if (!r.account.empty()) line("account", r.account);
    if (!r.partition.empty()) line("partition", r.partition);
    if (!r.qos.empty()) line("qos", r.qos);
    if (!r.memory.empty()) {
        auto m = parse_memory(r.memory);
        if (!m) return propagate(m);
        line("mem", format_slurm_memory(*m));
    }
    return out;
}

std::vector<std::string> launcher_words(const JobSpec& spec, const ClusterProfile& profile) {
    if (profile.scheduler == Scheduler::slurm) return {"srun", "--mpi=" + profile.srun_mpi};
    if (profile.scheduler == Scheduler::local) {
        // One rank per physical core under mpirun; the engine alone where mpirun cannot run.
        if (spec.resources.tasks_per_node <= 1 || !mpirun_usable()) return {};
        return {"mpirun", "-np", std::to_string(spec.resources.tasks_per_node)};
    }
    // mpiexec spawns the ranks through PBS's TM interface, so PBS accounts for and can kill them.
    const auto ranks = static_cast<long long>(spec.resources.nodes) * spec.resources.tasks_per_node;
    return {"mpiexec", "-n", std::to_string(ranks)};
}

} // namespace sluice::jobs
