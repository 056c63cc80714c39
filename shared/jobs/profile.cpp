#include "jobs/profile.hpp"

#include "jobs/directive_values.hpp"
#include "jobs/script.hpp"
#include "jobs/script_additions.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

namespace sluice::jobs {
namespace {

auto bad(std::string message) {
    return fail(ErrorKind::bad_input, std::move(message));
}

// A profile's problems carry their JSON key as data (Error::field), so that the profiles dialog can
// show and focus the field without reading the message.
auto bad(std::string message, std::string key, std::optional<std::size_t> element = {}) {
    return fail(ErrorKind::bad_input, std::move(message), Field{{}, std::move(key), element});
}

template <class T>
std::unexpected<Error> at(const std::expected<T, Error>& failed, std::string key,
                          std::optional<std::size_t> element = {}) {
    Error e = failed.error();
    if (!e.field) e.field = Field{{}, std::move(key), element};
    return std::unexpected(std::move(e));
}

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

Status check_resources(const Resources& r, Scheduler scheduler) {
    if (scheduler == Scheduler::local) {
        if (auto st = check_count("tasks_per_node", r.tasks_per_node, 100000); !st)
            return at(st, "tasks_per_node");
        return {};
    }
    if (!r.account.empty())
        if (auto st = check_directive_word("account", r.account); !st) return at(st, "account");
    if (!r.partition.empty())
        if (auto st =
                check_directive_word(scheduler == Scheduler::slurm ? "partition" : "queue", r.partition);
            !st)
            return at(st, "partition");
    if (!r.qos.empty()) {
        if (scheduler == Scheduler::pbs)
            return bad("qos: PBS Pro has no QoS resource; leave it empty", "qos");
        if (auto st = check_directive_word("qos", r.qos); !st) return at(st, "qos");
    }
    if (auto st = check_count("nodes", r.nodes, 100000); !st) return at(st, "nodes");
    if (auto st = check_count("tasks_per_node", r.tasks_per_node, 100000); !st)
        return at(st, "tasks_per_node");
    if (auto w = parse_walltime(r.walltime); !w) return at(w, "walltime");
    if (!r.memory.empty())
        if (auto m = parse_memory(r.memory); !m) return at(m, "memory");
    return {};
}

// Host and user go to libssh, not to a shell; still, nothing but name characters belongs there.
Status check_login(const ClusterProfile& p) {
    const auto ok = [](std::string_view v, bool colon) {
        if (v.empty() || v.front() == '-') return false;
        for (char c : v)
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == '-' || (colon && c == ':')))
                return false;
        return true;
    };
    if (!ok(p.host, true))
        return bad(fmt::format("host: '{}' is not a host name or address", printable(p.host)), "host");
    if (!p.user.empty() && !ok(p.user, false))
        return bad(fmt::format("user: '{}' is not a user name", printable(p.user)), "user");
    if (p.port && (*p.port < 1 || *p.port > 65535))
        return bad(fmt::format("port: {} is not 1 to 65535", *p.port), "port");
    return {};
}

// Profiles are stored as JSON and their values shown and recorded as text.
Status check_text(const ClusterProfile& p) {
    const std::pair<const char*, const std::string*> fields[] = {{"host", &p.host},
                                                                 {"user", &p.user},
                                                                 {"scratch_dir", &p.scratch_dir},
                                                                 {"engine", &p.engine.value},
                                                                 {"account", &p.resources.account},
                                                                 {"partition", &p.resources.partition},
                                                                 {"qos", &p.resources.qos},
                                                                 {"walltime", &p.resources.walltime},
                                                                 {"memory", &p.resources.memory}};
    for (const auto& [field, value] : fields)
        if (auto st = require_utf8(*value, field); !st) return at(st, field);
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {
        {"modules", &p.modules},
        {"environment", &p.environment},
        {"extra_directives", &p.extra_directives},
        {"prologue", &p.prologue}};
    for (const auto& [field, list] : lists)
        for (std::size_t i = 0; i < list->size(); ++i)
            if (auto st = require_utf8((*list)[i], fmt::format("{}[{}]", field, i)); !st)
                return at(st, field, i);
    return {};
}

Status check_profile_fields(const ClusterProfile& p) {
    if (auto st = check_text(p); !st) return st;
    if (p.scheduler != Scheduler::local)
        if (auto st = check_login(p); !st) return st;
    if (p.scratch_dir.empty() || p.scratch_dir.front() != '/' || has_nul(p.scratch_dir))
        return bad(fmt::format("scratch_dir: '{}' is not an absolute path", printable(p.scratch_dir)),
                   "scratch_dir");
    if (auto st = check_resources(p.resources, p.scheduler); !st) return st;
    for (std::size_t i = 0; i < p.modules.size(); ++i)
        if (p.modules[i].find_first_not_of(" \t\n") == std::string::npos || has_nul(p.modules[i]))
            return bad(fmt::format("modules[{}]: empty", i), "modules", i);
    for (std::size_t i = 0; i < p.environment.size(); ++i) {
        const auto& e = p.environment[i];
        const auto eq = e.find('=');
        if (eq == std::string::npos || has_nul(e))
            return bad(fmt::format("environment[{}]: '{}' is not NAME=value", i, printable(e)), "environment",
                       i);
        const auto name = e.substr(0, eq);
        if (auto st = check_variable_name(fmt::format("environment[{}]", i), name); !st)
            return at(st, "environment", i);
        if (is_reserved_variable(name))
            return bad(
                fmt::format("environment[{}]: {} is used by the job script or the shell itself and cannot "
                            "be set by a profile; choose another name",
                            i, name),
                "environment", i);
    }
    if (p.engine.value.empty() || has_nul(p.engine.value)) return bad("engine: empty", "engine");
    if (p.srun_mpi.empty() || p.srun_mpi.size() > 32 ||
        p.srun_mpi.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
        return bad(fmt::format("srun_mpi: '{}' is not an MPI plugin name (e.g. pmix, pmix_v4, pmi2)",
                               printable(p.srun_mpi)),
                   "srun_mpi");
    if (p.transfer_streams < 0 || p.transfer_streams > 8)
        return bad(fmt::format("transfer_streams: {} is not 0 (automatic) or 1 to 8", p.transfer_streams),
                   "transfer_streams");
    return check_script_additions(p);
}

} // namespace

std::string_view to_string(Scheduler s) {
    switch (s) {
    case Scheduler::slurm:
        return "slurm";
    case Scheduler::pbs:
        return "pbs";
    case Scheduler::torque:
        return "torque";
    case Scheduler::local:
        return "local";
    }
    return "?";
}

Result<Scheduler> scheduler_from_string(std::string_view s) {
    if (s == "slurm") return Scheduler::slurm;
    if (s == "pbs") return Scheduler::pbs;
    if (s == "torque") return Scheduler::torque;
    if (s == "local")
        return bad("scheduler: 'local' is this computer's own profile (--profile local); a cluster profile "
                   "uses slurm, pbs or torque");
    return bad(fmt::format("scheduler: '{}' is not slurm, pbs or torque", printable(s)));
}

std::string_view to_string(ScratchPolicy p) {
    switch (p) {
    case ScratchPolicy::keep:
        return "keep";
    case ScratchPolicy::ask:
        return "ask";
    case ScratchPolicy::remove:
        return "remove";
    }
    return "?";
}

Result<ScratchPolicy> scratch_policy_from_string(std::string_view s) {
    if (s == "keep") return ScratchPolicy::keep;
    if (s == "ask") return ScratchPolicy::ask;
    if (s == "remove") return ScratchPolicy::remove;
    return bad(fmt::format("scratch_after_download: '{}' is not keep, ask or remove", printable(s)));
}

std::string sluice_directory(const ClusterProfile& profile) {
    std::string dir = profile.scratch_dir;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    if (dir != "/") dir += '/';
    return dir + "sluice";
}

std::string job_directory(const ClusterProfile& profile, std::string_view job_id) {
    return fmt::format("{}/jobs/{}", sluice_directory(profile), job_id);
}

JobSpec job_spec_from_profile(const ClusterProfile& profile, std::string job_id) {
    JobSpec spec;
    spec.job_id = std::move(job_id);
    spec.resources = profile.resources;
    return spec;
}

Status validate_profile(const ClusterProfile& profile) {
    if (profile.name.empty()) return bad("a profile has no name", "name");
    if (auto st = require_utf8(profile.name, "the profile name"); !st) return at(st, "name");
    auto st = check_profile_fields(profile);
    if (!st) return std::unexpected(st.error().context(fmt::format("profile '{}'", printable(profile.name))));
    return {};
}

Status validate_job_spec(const JobSpec& spec, Scheduler scheduler) {
    if (auto st = check_job_id(spec.job_id); !st) return st;
    const auto path_ok = [](std::string_view v) { return !v.empty() && !has_nul(v); };
    if (!path_ok(spec.input)) return bad("input: empty");
    if (!path_ok(spec.dataset)) return bad("dataset: empty");
    if (spec.output && !path_ok(*spec.output)) return bad("output: empty (unset it for --in-place)");
    if (spec.source_sha256) {
        const auto& h = *spec.source_sha256;
        if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos)
            return bad(fmt::format("source_sha256: '{}' is not 64 lower-case hex digits", printable(h)));
    }
    if (spec.block_rows && *spec.block_rows < 1) return bad("block_rows: must be at least 1");
    return check_resources(spec.resources, scheduler);
}

} // namespace sluice::jobs
