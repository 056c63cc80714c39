#include "jobs/profiles_file.hpp"

#include "jobs/directive_values.hpp"
#include "jobs/local_profile.hpp"
#include "util/atomic_file.hpp"
#include "util/json_text.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace sluice::jobs {
namespace {

using nlohmann::json;

auto bad(std::string message) {
    return fail(ErrorKind::bad_input, std::move(message));
}

// Reads one profile object; every key it takes is ticked off, so leftovers are unknown keys.
class ProfileReader {
public:
    explicit ProfileReader(const json& obj) : obj_(obj) {}

    Status string(const char* key, std::string& out, bool required = false) {
        const auto it = take(key);
        if (it == obj_.end()) return required ? missing(key) : Status{};
        if (!it->is_string()) return wrong(key, "a string");
        out = it->get<std::string>();
        return {};
    }
    Status integer(const char* key, int& out) {
        const auto it = take(key);
        if (it == obj_.end()) return {};
        if (!it->is_number_integer() || it->get<std::int64_t>() < -2147483648LL ||
            it->get<std::int64_t>() > 2147483647LL)
            return wrong(key, "an integer");
        out = it->get<int>();
        return {};
    }
    Status boolean(const char* key, bool& out) {
        const auto it = take(key);
        if (it == obj_.end()) return {};
        if (!it->is_boolean()) return wrong(key, "true or false");
        out = it->get<bool>();
        return {};
    }
    Status strings(const char* key, std::vector<std::string>& out) {
        const auto it = take(key);
        if (it == obj_.end()) return {};
        if (!it->is_array()) return wrong(key, "a list of strings");
        for (const auto& v : *it) {
            if (!v.is_string()) return wrong(key, "a list of strings");
            out.push_back(v.get<std::string>());
        }
        return {};
    }
    Status engine(EngineCommand& out) {
        const auto it = take("engine");
        if (it == obj_.end()) return {};
        if (!it->is_object() || it->size() != 1 || !it->begin().value().is_string())
            return wrong("engine", R"({"module": "..."}, {"path": "..."} or {"container": "..."})");
        const auto& kind = it->begin().key();
        if (kind == "module")
            out.kind = EngineCommand::Kind::module;
        else if (kind == "path")
            out.kind = EngineCommand::Kind::path;
        else if (kind == "container")
            out.kind = EngineCommand::Kind::container;
        else
            return bad(fmt::format("engine: unknown kind '{}' (module, path or container)", printable(kind)));
        out.value = it->begin().value().get<std::string>();
        return {};
    }
    Status no_unknown_keys() const {
        for (const auto& [key, value] : obj_.items())
            if (!seen_.contains(key)) return bad(fmt::format("unknown key '{}'", printable(key)));
        return {};
    }
    const json* find(const char* key) const {
        const auto it = obj_.find(key);
        return it == obj_.end() ? nullptr : &*it;
    }

private:
    json::const_iterator take(const char* key) {
        seen_.insert(key);
        return obj_.find(key);
    }
    static Status missing(const char* key) { return bad(fmt::format("{}: missing", key)); }
    static Status wrong(const char* key, const char* what) {
        return bad(fmt::format("{}: must be {}", key, what));
    }

    const json& obj_;
    std::set<std::string> seen_;
};

Result<ClusterProfile> read_profile(const json& obj) {
    ClusterProfile p;
    ProfileReader r(obj);
    std::string scheduler;
    int port = 0;
    Status st = r.string("name", p.name, true);
    if (st) st = r.string("scheduler", scheduler, true);
    if (st) {
        auto s = scheduler_from_string(scheduler);
        if (s)
            p.scheduler = *s;
        else
            st = std::unexpected(s.error());
    }
    if (st) st = r.string("host", p.host, true);
    if (st) st = r.string("user", p.user);
    if (st && r.find("port")) {
        st = r.integer("port", port);
        p.port = port;
    }
    if (st) st = r.string("scratch_dir", p.scratch_dir, true);
    auto& res = p.resources;
    if (st) st = r.string("account", res.account);
    if (st) st = r.string("partition", res.partition);
    if (st) st = r.string("qos", res.qos);
    if (st) st = r.integer("nodes", res.nodes);
    if (st) st = r.integer("tasks_per_node", res.tasks_per_node);
    if (st) st = r.string("walltime", res.walltime);
    if (st) st = r.string("memory", res.memory);
    if (st) st = r.strings("modules", p.modules);
    if (st) st = r.strings("environment", p.environment);
    if (st) st = r.engine(p.engine);
    if (st) st = r.boolean("hdf5_file_locking", p.hdf5_file_locking);
    if (st) st = r.string("srun_mpi", p.srun_mpi);
    if (st) st = r.integer("transfer_streams", p.transfer_streams);
    if (st) st = r.boolean("deploy_in_job", p.deploy_in_job);
    std::string scratch_policy = "ask";
    if (st) st = r.string("scratch_after_download", scratch_policy);
    if (st) {
        auto policy = scratch_policy_from_string(scratch_policy);
        if (policy)
            p.scratch_after_download = *policy;
        else
            st = std::unexpected(policy.error());
    }
    if (st) st = r.strings("extra_directives", p.extra_directives);
    if (st) st = r.strings("prologue", p.prologue);
    if (st) st = r.no_unknown_keys();
    if (!st) {
        if (p.name.empty()) return propagate(st);
        return std::unexpected(st.error().context(fmt::format("profile '{}'", printable(p.name))));
    }
    if (auto v = validate_profile(p); !v) return propagate(v);
    return p;
}

json write_profile(const ClusterProfile& p) {
    json o = json::object();
    o["name"] = p.name;
    o["scheduler"] = std::string(to_string(p.scheduler));
    o["host"] = p.host;
    if (!p.user.empty()) o["user"] = p.user;
    if (p.port) o["port"] = *p.port;
    o["scratch_dir"] = p.scratch_dir;
    const auto& r = p.resources;
    if (!r.account.empty()) o["account"] = r.account;
    if (!r.partition.empty()) o["partition"] = r.partition;
    if (!r.qos.empty()) o["qos"] = r.qos;
    o["nodes"] = r.nodes;
    o["tasks_per_node"] = r.tasks_per_node;
    o["walltime"] = r.walltime;
    if (!r.memory.empty()) o["memory"] = r.memory;
    o["modules"] = p.modules;
    o["environment"] = p.environment;
    const char* kind = p.engine.kind == EngineCommand::Kind::module ? "module"
                       : p.engine.kind == EngineCommand::Kind::path ? "path"
                                                                    : "container";
    o["engine"] = json{{kind, p.engine.value}};
    o["hdf5_file_locking"] = p.hdf5_file_locking;
    if (p.scheduler == Scheduler::slurm) o["srun_mpi"] = p.srun_mpi;
    o["scratch_after_download"] = std::string(to_string(p.scratch_after_download));
    if (p.transfer_streams != 0) o["transfer_streams"] = p.transfer_streams;
    if (p.deploy_in_job) o["deploy_in_job"] = true;
    // Only when set, so that a file without additions stays readable by earlier clients.
    if (!p.extra_directives.empty()) o["extra_directives"] = p.extra_directives;
    if (!p.prologue.empty()) o["prologue"] = p.prologue;
    return o;
}

Status check_unique_names(const std::vector<ClusterProfile>& profiles) {
    std::set<std::string> names;
    for (const auto& p : profiles) {
        if (p.name == local_profile_name)
            return fail(ErrorKind::bad_input,
                        fmt::format("profile '{}': the name is this computer's own profile; choose another",
                                    local_profile_name),
                        Field{{}, "name", {}});
        if (!names.insert(p.name).second)
            return fail(ErrorKind::bad_input,
                        fmt::format("profile '{}': the name is used twice", printable(p.name)),
                        Field{{}, "name", {}});
    }
    return {};
}

} // namespace

Result<std::filesystem::path> default_profiles_path() {
    // XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored.
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/')
        return std::filesystem::path(xdg) / "sluice" / "profiles.json";
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        return std::filesystem::path(home) / ".config" / "sluice" / "profiles.json";
    return fail(ErrorKind::io, "neither XDG_CONFIG_HOME nor HOME is set: cannot find profiles.json");
}

Result<std::vector<ClusterProfile>> parse_profiles(std::string_view json_text) {
    const json doc = json::parse(json_text, nullptr, false);
    if (doc.is_discarded()) return bad("profiles.json is not valid JSON");
    if (!doc.is_object() || doc.value("format", "") != "sluice-profiles")
        return bad(R"(profiles.json: "format" must be "sluice-profiles")");
    if (!doc.contains("version") || doc["version"] != 1) return bad(R"(profiles.json: "version" must be 1)");
    for (const auto& [key, value] : doc.items())
        if (key != "format" && key != "version" && key != "profiles")
            return bad(fmt::format("profiles.json: unknown key '{}'", printable(key)));
    std::vector<ClusterProfile> out;
    const auto it = doc.find("profiles");
    if (it == doc.end()) return out;
    if (!it->is_array()) return bad(R"(profiles.json: "profiles" must be a list)");
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_object()) return bad(fmt::format("profiles.json: profiles[{}] is not an object", i));
        auto p = read_profile((*it)[i]);
        if (!p) return propagate(p);
        out.push_back(std::move(*p));
    }
    if (auto st = check_unique_names(out); !st) return propagate(st);
    return out;
}

Result<std::string> serialize_profiles(const std::vector<ClusterProfile>& profiles) {
    json list = json::array();
    for (const auto& p : profiles) {
        if (auto st = validate_profile(p); !st) return propagate(st);
        list.push_back(write_profile(p));
    }
    if (auto st = check_unique_names(profiles); !st) return propagate(st);
    const json doc = {{"format", "sluice-profiles"}, {"version", 1}, {"profiles", std::move(list)}};
    return json_text(doc, 2) + "\n";
}

Result<std::vector<ClusterProfile>> load_profiles(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return std::vector<ClusterProfile>{};
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(ErrorKind::io, fmt::format("cannot read {}", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    auto profiles = parse_profiles(text.str());
    if (!profiles) return std::unexpected(profiles.error().context(file.string()));
    return profiles;
}

std::filesystem::path site_profiles_path() {
    if (const char* site = std::getenv("SLUICE_SITE_PROFILES"); site && *site) return site;
    return "/etc/sluice/profiles.json";
}

Result<std::vector<ClusterProfile>> load_site_profiles() {
    return load_profiles(site_profiles_path());
}

Result<std::optional<ClusterProfile>> load_profile(const std::filesystem::path& file, std::string_view name) {
    if (name == local_profile_name) {
        auto here = local_profile();
        if (!here) return propagate(here);
        return std::optional<ClusterProfile>(std::move(*here));
    }
    auto profiles = load_profiles(file);
    if (!profiles) return propagate(profiles);
    for (auto& p : *profiles)
        if (p.name == name) return std::optional<ClusterProfile>(std::move(p));
    auto site = load_site_profiles();
    if (!site) return propagate(site);
    for (auto& p : *site)
        if (p.name == name) return std::optional<ClusterProfile>(std::move(p));
    return std::optional<ClusterProfile>();
}

Result<std::vector<ClusterProfile>> all_profiles(const std::filesystem::path& file) {
    auto here = local_profile();
    if (!here) return propagate(here);
    auto clusters = load_profiles(file);
    if (!clusters) return propagate(clusters);
    auto site = load_site_profiles();
    if (!site) return propagate(site);
    for (auto& p : *site)
        if (std::ranges::find(*clusters, p.name, &ClusterProfile::name) == clusters->end())
            clusters->push_back(std::move(p));
    clusters->insert(clusters->begin(), std::move(*here));
    return clusters;
}

Status save_profiles(const std::filesystem::path& file, const std::vector<ClusterProfile>& profiles) {
    auto text = serialize_profiles(profiles);
    if (!text) return propagate(text);
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    if (ec)
        return fail(ErrorKind::io,
                    fmt::format("cannot create {}: {}", file.parent_path().string(), ec.message()));
    return write_file_atomically(file, *text);
}

} // namespace sluice::jobs
