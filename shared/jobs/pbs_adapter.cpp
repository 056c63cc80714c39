// PBS Pro / OpenPBS and Torque directives (qsub(1B) of each). Every value here was checked against its
// whitelist or is a number.
#include "jobs/directive_values.hpp"
#include "jobs/scheduler_adapters.hpp"

#include <fmt/format.h>

namespace sluice::jobs {

Result<std::string> pbs_directives(const JobSpec& spec, Scheduler scheduler, const StopTiming& timing) {
    const auto& r = spec.resources;
    std::string out;
    const auto line = [&out](std::string_view text) { out += fmt::format("#PBS {}\n", text); };
    // Older servers cap job names at 15 characters.
    line(fmt::format("-N {}", fmt::format("sluice-{}", spec.job_id).substr(0, 15)));
    // Torque runs the script with the login shell unless told otherwise, ignoring the #! line.
    line("-S /bin/bash");
    std::optional<Memory> memory;
    if (!r.memory.empty()) {
        auto m = parse_memory(r.memory);
        if (!m) return propagate(m);
        memory = *m;
    }
    if (scheduler == Scheduler::torque) {
        line(fmt::format("-l nodes={}:ppn={}", r.nodes, r.tasks_per_node));
        // Torque's mem is for the whole job; ours is per node.
        if (memory)
            line(fmt::format("-l mem={}", format_pbs_memory(*memory, static_cast<std::uint64_t>(r.nodes))));
        if (!r.qos.empty()) line(fmt::format("-l qos={}", r.qos));
    } else {
        std::string select =
            fmt::format("-l select={}:ncpus={}:mpiprocs={}", r.nodes, r.tasks_per_node, r.tasks_per_node);
        if (memory) select += fmt::format(":mem={}", format_pbs_memory(*memory));
        line(select);
    }
    line(fmt::format("-l walltime={}", format_pbs_walltime(timing.walltime)));
    if (!r.account.empty()) line(fmt::format("-A {}", r.account));
    if (!r.partition.empty()) line(fmt::format("-q {}", r.partition));
    line("-j oe");
    return out;
}

} // namespace sluice::jobs
