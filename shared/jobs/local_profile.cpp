#include "jobs/local_profile.hpp"

#include <cstdlib>
#include <fstream>
#include <sched.h>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

namespace sluice::jobs {
namespace {

namespace fs = std::filesystem;

std::string read_trimmed(const fs::path& p) {
    std::ifstream in(p);
    std::string s;
    std::getline(in, s);
    return s;
}

bool executable(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

fs::path on_path(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && executable(fs::path(dir) / name)) return fs::path(dir) / name;
    return {};
}

} // namespace

bool is_local(const ClusterProfile& profile) {
    return profile.scheduler == Scheduler::local;
}

fs::path find_local_engine() {
    if (const char* env = std::getenv("SLUICE_ENGINE"); env && *env && executable(env))
        return fs::absolute(env);
    std::error_code ec;
    const auto self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto here = self.parent_path();
        for (const auto& candidate : {here / "sluice-engine", here / ".." / "engine" / "sluice-engine"})
            if (executable(candidate)) return fs::weakly_canonical(candidate, ec);
    }
    return on_path("sluice-engine");
}

int physical_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return online > 0 ? static_cast<int>(online) : 1;
    std::set<std::pair<std::string, std::string>> cores;
    int cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &set)) continue;
        ++cpus;
        const fs::path topo = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology";
        const auto core = read_trimmed(topo / "core_id");
        if (core.empty()) return std::max(1, cpus);
        cores.emplace(read_trimmed(topo / "physical_package_id"), core);
    }
    return std::max<int>(1, static_cast<int>(cores.size()));
}

bool mpirun_usable() {
    if (on_path("mpirun").empty()) return false;
    if (::geteuid() != 0) return true;
    const auto set = [](const char* name) {
        const char* v = std::getenv(name);
        return v && std::string_view(v) == "1";
    };
    return set("OMPI_ALLOW_RUN_AS_ROOT") && set("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM");
}

Result<ClusterProfile> local_profile() {
    fs::path data;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x == '/') {
        data = x;
    } else if (const char* home = std::getenv("HOME"); home && *home == '/') {
        data = fs::path(home) / ".local/share";
    } else {
        return fail(ErrorKind::io,
                    "neither XDG_DATA_HOME nor HOME is set: there is nowhere to keep local jobs");
    }
    ClusterProfile p;
    p.name = std::string(local_profile_name);
    p.scheduler = Scheduler::local;
    p.scratch_dir = data.string(); // jobs in <data>/sluice/jobs/<id>, beside jobs.sqlite
    p.resources.nodes = 1;
    p.resources.tasks_per_node = physical_cores();
    p.resources.walltime.clear(); // a local run has no walltime
    const auto engine = find_local_engine();
    p.engine = {EngineCommand::Kind::path, engine.empty() ? std::string("sluice-engine") : engine.string()};
    return p;
}

} // namespace sluice::jobs
