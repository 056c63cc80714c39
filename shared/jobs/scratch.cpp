#include "jobs/scratch.hpp"

#include "jobs/local_profile.hpp"
#include "util/memory_budget.hpp"

#include <charconv>
#include <fmt/format.h>
#include <sstream>

namespace sluice::jobs {
namespace {

// The job directory and the directory its input was uploaded to, both inside <scratch>/sluice.
Result<std::vector<std::string>> candidate_paths(const ClusterProfile& profile, const JobRecord& job) {
    if (is_local(profile)) return fail(ErrorKind::refused, "jobs on this computer have no cluster scratch");
    const auto root = sluice_directory(profile) + "/";
    std::vector<std::string> out{job_directory(profile, job.id)};
    const auto slash = job.remote_input.rfind('/');
    if (slash != std::string::npos && slash > root.size() && job.remote_input.starts_with(root))
        out.push_back(job.remote_input.substr(0, slash));
    for (const auto& p : out)
        if (!p.starts_with(root) || p.find("/../") != std::string::npos || p.ends_with("/.."))
            return fail(ErrorKind::refused, fmt::format("{} is not inside {}: not touched", p, root));
    return out;
}

std::vector<std::string> needed_by(const JobRecord& job, const std::vector<JobRecord>& all,
                                   const std::string& input_dir) {
    std::vector<std::string> out;
    for (const auto& other : all)
        if (other.id != job.id && other.profile == job.profile && other.state != JobState::done &&
            other.remote_input.starts_with(input_dir + "/"))
            out.push_back(other.id);
    return out;
}

} // namespace

Result<std::vector<ScratchFile>> list_scratch(JobHost& host, const JobRecord& job,
                                              const std::vector<JobRecord>& all) {
    auto paths = candidate_paths(host.profile(), job);
    if (!paths) return propagate(paths);
    // `du -sb` prints "<bytes>\t<path>"; paths that are gone print nothing.
    const auto script = "for p in \"$@\"; do [ -e \"$p\" ] && du -sb -- \"$p\"; done; exit 0\n";
    auto r = host.run("listing the job's files", script, *paths, std::chrono::minutes(2), {});
    if (!r) return propagate(r);
    std::vector<ScratchFile> out;
    std::istringstream in(r->out);
    for (std::string line; std::getline(in, line);) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        ScratchFile f;
        f.path = line.substr(tab + 1);
        if (std::from_chars(line.data(), line.data() + tab, f.bytes).ec != std::errc{}) continue;
        if (paths->size() > 1 && f.path == (*paths)[1]) f.needed_by = needed_by(job, all, f.path);
        out.push_back(std::move(f));
    }
    return out;
}

Result<std::uint64_t> remove_scratch(JobStore& store, JobHost& host, JobRecord& job,
                                     const std::vector<JobRecord>& all, const RunnerOptions& options) {
    if (job.state != JobState::done)
        return fail(
            ErrorKind::refused,
            fmt::format("job {} is {}: its files on the cluster are removed only once its result is here",
                        job.id, to_string(job.state)));
    auto files = list_scratch(host, job, all);
    if (!files) return propagate(files);
    std::vector<std::string> gone;
    std::uint64_t freed = 0;
    for (const auto& f : *files)
        if (f.needed_by.empty()) {
            gone.push_back(f.path);
            freed += f.bytes;
        }
    if (gone.empty()) return std::uint64_t{0};
    auto r = host.run("removing the job's files", "rm -rf -- \"$@\"\n", gone, std::chrono::minutes(5),
                      options.cancel);
    if (!r) return propagate(r);
    job.message = fmt::format("{}; {} removed from the cluster's scratch", job.message, human_bytes(freed));
    job.updated = WallClock::now();
    if (auto st = store.update(job); !st) return propagate(st);
    if (options.on_change) options.on_change(job);
    return freed;
}

std::string scratch_text(const std::vector<ScratchFile>& files) {
    std::uint64_t total = 0;
    std::string kept;
    for (const auto& f : files) {
        total += f.bytes;
        if (!f.needed_by.empty())
            kept = fmt::format(" (the input stays: job {} needs it)", f.needed_by.front());
    }
    if (files.empty()) return "nothing left on the cluster";
    return fmt::format("{} in {} item{}{}", human_bytes(total), files.size(), files.size() == 1 ? "" : "s",
                       kept);
}

} // namespace sluice::jobs
