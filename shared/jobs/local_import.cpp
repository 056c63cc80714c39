#include "jobs/local_import.hpp"

#include "jobs/directive_values.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/script.hpp"
#include "util/atomic_file.hpp"

#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sluice::jobs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The start time (clock ticks) of a process, or 0 when it is gone or a zombie.
long long start_ticks(long long pid) {
    if (pid <= 0) return 0;
    const auto stat = read_text(fmt::format("/proc/{}/stat", pid));
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 1; i <= 20 && fields >> field; ++i) {
        if (i == 1 && (field == "Z" || field == "X")) return 0;
        if (i == 20) return std::stoll(field);
    }
    return 0;
}

// A job directory with the job script and recipe, so the run can be resumed like any local job.
Status make_job_directory(const ClusterProfile& here, JobRecord& j, const fs::path& old_progress) {
    JobSpec spec = job_spec_from_profile(here, j.id);
    spec.input = j.local_input;
    spec.dataset = j.dataset;
    spec.output = j.local_output;
    auto script = job_script(here, spec);
    if (!script) return propagate(script);
    j.job_script = *script;
    const fs::path dir = job_directory(here, j.id);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    if (auto st = write_file_atomically(dir / recipe_file, j.recipe_json); !st) return st;
    if (auto st = write_file_atomically(dir / job_script_file, j.job_script); !st) return st;
    // The old run's progress, where the poll reads a job's progress.
    if (fs::exists(old_progress, ec)) fs::create_symlink(old_progress, dir / progress_file, ec);
    return {};
}

Result<JobRecord> imported(const ClusterProfile& here, const json& o) {
    const auto text = [&](const char* key) { return o.value(key, std::string()); };
    JobRecord j;
    j.id = text("id");
    if (auto st = check_job_id(j.id); !st) return propagate(st);
    j.profile = here.name;
    j.local_input = j.remote_input = text("source");
    j.dataset = text("dataset");
    j.local_output = text("output");
    j.recipe_json = read_text(text("recipe"));
    j.submissions = 1;
    const auto progress_path = fs::path(text("progress"));
    const auto progress = json::parse(read_text(progress_path), nullptr, false);
    if (progress.is_object()) {
        j.rows_done = progress.value("rows_done", std::int64_t{0});
        j.rows_total = progress.value("rows_total", std::int64_t{0});
    }
    j.created = j.updated = WallClock::now();
    const auto state = text("state");
    const long long pid = o.value("pid", 0LL);
    const long long ticks = start_ticks(pid);
    const bool alive =
        ticks != 0 && (o.value("start_ticks", 0LL) == 0 || ticks == o.value("start_ticks", 0LL));
    if (state == "done") {
        j.state = JobState::done;
        j.message = fmt::format("result in {}", j.local_output);
    } else if (state == "failed") {
        j.state = JobState::failed;
        j.message = text("message");
    } else if (alive) {
        j.state = JobState::running;
        j.scheduler_id = fmt::format("{}.{}", pid, ticks);
        j.message = "running";
    } else {
        j.state = JobState::stopped;
        j.message = fmt::format("stopped after {} of {} rows; resumable", j.rows_done, j.rows_total);
    }
    if (j.state != JobState::done && j.state != JobState::failed)
        if (auto st = make_job_directory(here, j, progress_path); !st) return propagate(st);
    return j;
}

} // namespace

Result<fs::path> default_local_runs_dir() {
    auto here = local_profile();
    if (!here) return propagate(here);
    return fs::path(here->scratch_dir) / "sluice" / "local-runs";
}

Result<int> import_local_runs(JobStore& store, const fs::path& records_dir) {
    std::error_code ec;
    if (!fs::is_directory(records_dir, ec)) return 0;
    auto here = local_profile();
    if (!here) return propagate(here);
    int count = 0;
    for (const auto& e : fs::directory_iterator(records_dir, ec)) {
        const auto name = e.path().filename().string();
        if (!name.ends_with(".json") || name.ends_with(".progress.json")) continue;
        const auto o = json::parse(read_text(e.path()), nullptr, false);
        if (!o.is_object()) continue; // not a run record
        auto j = imported(*here, o);
        if (!j) continue; // a record we cannot read stays behind in local-runs.imported
        if (auto found = store.find(j->id); found && *found) continue;
        if (auto st = store.insert(*j); !st) return propagate(st);
        ++count;
    }
    // Once: the records stay for reference, under a name nothing reads.
    fs::rename(records_dir, records_dir.string() + ".imported", ec);
    if (ec)
        return fail(ErrorKind::io, fmt::format("cannot rename {}: {}", records_dir.string(), ec.message()));
    return count;
}

} // namespace sluice::jobs
