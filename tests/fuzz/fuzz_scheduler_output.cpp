// Parsers of what the cluster prints (shared/jobs: slurm_parsers, pbs_parsers, status_file). The first
// byte picks the parser, the rest is the command's output. Any text gives jobs or an error quoting the
// line, never a crash; every job read has an id.
#include "jobs/scheduler_parsers.hpp"
#include "jobs/status_file.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace sluice::jobs;

namespace {

void check(const sluice::Result<std::vector<SchedulerJob>>& jobs) {
    if (!jobs) {
        if (jobs.error().message.empty()) std::abort();
        return;
    }
    for (const auto& j : *jobs)
        if (j.id.empty()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 12) {
    case 0:
        check(parse_squeue(text));
        break;
    case 1:
        check(parse_sacct(text));
        break;
    case 2:
        check(parse_pbs_qstat_json(text));
        break;
    case 3:
        check(parse_qstat_full_text(text, Scheduler::torque));
        break;
    case 4:
        check(parse_qstat_full_text(text, Scheduler::pbs));
        break;
    case 5:
        check(parse_poll_output(static_cast<Scheduler>(data[0] / 12 % 3), text));
        break;
    case 6:
        check(parse_history_output(static_cast<Scheduler>(data[0] / 12 % 3), text));
        break;
    case 7:
        (void)unknown_pbs_job_ids(text);
        break;
    case 8:
        if (auto d = parse_duration(text); d && d->count() < 0) std::abort();
        break;
    case 9:
        (void)parse_status_file(text);
        break;
    case 10:
        (void)parse_engine_progress(text);
        break;
    case 11:
        if (auto listing = parse_status_listing(text))
            for (const auto& [id, files] : *listing)
                if (id.empty() || (!files.status && !files.progress)) std::abort();
        break;
    }
    return 0;
}
