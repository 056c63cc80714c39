// sluice-cli profile add|list|remove|test.
#include "commands.hpp"
#include "jobs/cluster_client.hpp"
#include "jobs/local_host.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/script.hpp"
#include "sluice/version.hpp"
#include "terminal.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sluice::cli {

int report(const Context& ctx, const Error& e) {
    // Messages quote servers and files: nothing in them may drive the terminal.
    std::fprintf(ctx.err, "sluice-cli: %s\n", terminal_text(e.message).c_str());
    return e.kind == ErrorKind::bad_input || e.kind == ErrorKind::refused ? 2 : 1;
}

int profile_add(const Context& ctx, const jobs::ClusterProfile& profile, bool replace) {
    auto profiles = jobs::load_profiles(ctx.profiles);
    if (!profiles) return report(ctx, profiles.error());
    auto it = std::ranges::find(*profiles, profile.name, &jobs::ClusterProfile::name);
    if (it != profiles->end() && !replace)
        return report(ctx, {ErrorKind::refused,
                            fmt::format("profile '{}' exists; add --replace to overwrite it", profile.name)});
    if (it != profiles->end())
        *it = profile;
    else
        profiles->push_back(profile);
    if (auto st = jobs::save_profiles(ctx.profiles, *profiles); !st) return report(ctx, st.error());
    std::fprintf(ctx.out, "profile '%s' saved in %s\n", profile.name.c_str(), ctx.profiles.c_str());
    return 0;
}

int profile_list(const Context& ctx, bool json) {
    auto profiles = jobs::load_profiles(ctx.profiles);
    if (!profiles) return report(ctx, profiles.error());
    if (json) {
        auto text = jobs::serialize_profiles(*profiles);
        if (!text) return report(ctx, text.error());
        std::fprintf(ctx.out, "%s\n", text->c_str());
        return 0;
    }
    if (auto here = jobs::local_profile()) {
        const auto engine = jobs::find_local_engine();
        std::fprintf(ctx.out, "%-20s %-7s this computer, %d rank%s%s, engine %s\n", here->name.c_str(),
                     "local", here->resources.tasks_per_node, here->resources.tasks_per_node == 1 ? "" : "s",
                     jobs::mpirun_usable() ? " (mpirun)" : "", engine.empty() ? "not found" : engine.c_str());
    }
    // The site's profiles that the user's file does not replace, marked as such.
    auto site = jobs::load_site_profiles();
    if (!site) return report(ctx, site.error());
    std::erase_if(*site, [&](const auto& p) {
        return std::ranges::find(*profiles, p.name, &jobs::ClusterProfile::name) != profiles->end();
    });
    if (profiles->empty() && site->empty())
        std::fprintf(ctx.out, "no cluster profiles yet: add one with 'sluice-cli profile add'\n");
    const auto print = [&](const jobs::ClusterProfile& p, const char* origin) {
        std::fprintf(ctx.out, "%-20s %-7s %s%s%s  scratch %s%s\n", p.name.c_str(),
                     std::string(to_string(p.scheduler)).c_str(),
                     p.user.empty() ? "" : (p.user + "@").c_str(), p.host.c_str(),
                     p.port ? fmt::format(":{}", *p.port).c_str() : "", p.scratch_dir.c_str(), origin);
    };
    for (const auto& p : *profiles)
        print(p, "");
    for (const auto& p : *site)
        print(p, "  (site)");
    return 0;
}

int profile_remove(const Context& ctx, const std::string& name) {
    if (name == jobs::local_profile_name)
        return report(ctx,
                      {ErrorKind::refused, "'local' is this computer's own profile; it cannot be removed"});
    auto profiles = jobs::load_profiles(ctx.profiles);
    if (!profiles) return report(ctx, profiles.error());
    const auto removed = std::erase_if(*profiles, [&](const auto& p) { return p.name == name; });
    if (removed == 0) {
        auto site = jobs::load_site_profiles();
        if (site && std::ranges::find(*site, name, &jobs::ClusterProfile::name) != site->end())
            return report(ctx, {ErrorKind::refused, fmt::format("profile '{}' is the site's ({}); only its "
                                                                "administrator can remove it",
                                                                name, jobs::site_profiles_path().string())});
        return report(ctx, {ErrorKind::bad_input, fmt::format("no profile '{}'", name)});
    }
    if (auto st = jobs::save_profiles(ctx.profiles, *profiles); !st) return report(ctx, st.error());
    std::fprintf(ctx.out, "profile '%s' removed\n", name.c_str());
    return 0;
}

Result<jobs::ClusterProfile> find_profile(const Context& ctx, const std::string& name) {
    auto profile = jobs::load_profile(ctx.profiles, name);
    if (!profile) return propagate(profile);
    if (!*profile)
        return fail(ErrorKind::bad_input, fmt::format("no profile '{}' in {} (see 'sluice-cli profile list')",
                                                      name, ctx.profiles.string()));
    return std::move(**profile);
}

// Each check prints one line; the first failure ends the test with its reason.
// This computer: the engine is found and starts, mpirun (or not), the jobs directory is writable.
int local_test(const Context& ctx, const jobs::ClusterProfile& profile) {
    jobs::LocalHost here(profile);
    const auto dir = jobs::sluice_directory(profile) + "/jobs";
    auto writable =
        here.run("checking the jobs directory",
                 "mkdir -p -- \"$1\" && t=$(mktemp \"$1/.sluice-test.XXXXXX\") && rm -f -- \"$t\"", {dir});
    if (!writable) return report(ctx, writable.error());
    std::fprintf(ctx.out, "ok  %s is writable\n", dir.c_str());
    std::fprintf(ctx.out, "ok  %d rank%s per run%s\n", profile.resources.tasks_per_node,
                 profile.resources.tasks_per_node == 1 ? "" : "s",
                 jobs::mpirun_usable() ? " under mpirun"
                                       : " (mpirun not usable here: the engine runs alone)");
    auto engine = here.run("starting sluice-engine", jobs::engine_check_script(profile));
    if (!engine) return report(ctx, engine.error());
    std::fprintf(ctx.out, "ok  %s", engine->out.c_str());
    return 0;
}

int profile_test(const Context& ctx, const std::string& name) {
    auto profile = find_profile(ctx, name);
    if (!profile) return report(ctx, profile.error());
    if (jobs::is_local(*profile)) return local_test(ctx, *profile);
    jobs::ClusterClient cluster(*profile, terminal_callbacks());
    auto session = cluster.session();
    if (!session) return report(ctx, session.error());
    std::fprintf(ctx.out, "ok  logged in to %s\n", (*session)->peer().c_str());

    const char* submit = profile->scheduler == jobs::Scheduler::slurm ? "sbatch" : "qsub";
    auto found = cluster.run(fmt::format("looking for {}", submit), "command -v \"$1\"", {submit});
    if (!found) return report(ctx, found.error().context(fmt::format("{} is not on the login PATH", submit)));
    std::fprintf(ctx.out, "ok  %s is %s", submit, found->out.c_str());

    const auto scratch = jobs::sluice_directory(*profile);
    auto writable =
        cluster.run("checking the scratch directory",
                    "mkdir -p -- \"$1\" && t=$(mktemp \"$1/.sluice-test.XXXXXX\") && rm -f -- \"$t\" && "
                    "df -P -- \"$1\" | tail -n 1",
                    {scratch});
    if (!writable) return report(ctx, writable.error());
    std::fprintf(ctx.out, "ok  %s is writable (%s)\n", scratch.c_str(),
                 writable->out.empty() ? "" : "df: see below");
    if (!writable->out.empty()) std::fprintf(ctx.out, "    %s", writable->out.c_str());

    auto engine = cluster.run("starting sluice-engine", jobs::engine_check_script(*profile));
    if (!engine)
        return report(ctx,
                      engine.error().context(fmt::format(
                          "no usable engine (build one there with 'sluice-cli engine deploy {}')", name)));
    std::fprintf(ctx.out, "ok  %s", engine->out.c_str());
    // Another version may read recipes or write results this client does not expect.
    const auto expected = fmt::format("sluice-engine {}", version);
    if (engine->out.substr(0, engine->out.find('\n')) != expected)
        std::fprintf(ctx.out,
                     "!!  this client is %s: run 'sluice-cli engine deploy %s' to put the same version "
                     "there\n",
                     expected.c_str(), name.c_str());
    return 0;
}

} // namespace sluice::cli
