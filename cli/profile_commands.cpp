// sluice-cli profile add|list|remove|test.
#include "commands.hpp"
#include "jobs/cluster_client.hpp"
#include "jobs/local_host.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/profile_check.hpp"
#include "jobs/profiles_file.hpp"
#include "sluice/version.hpp"
#include "terminal.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <memory>
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

// Each check prints one line as it ends; the first failure ends the test with its reason
// (jobs/profile_check.hpp, shared with the app's profiles dialog).
int profile_test(const Context& ctx, const std::string& name) {
    auto profile = find_profile(ctx, name);
    if (!profile) return report(ctx, profile.error());
    std::unique_ptr<jobs::JobHost> host;
    if (jobs::is_local(*profile))
        host = std::make_unique<jobs::LocalHost>(*profile);
    else
        host = std::make_unique<jobs::ClusterClient>(*profile, terminal_callbacks());
    const auto print = [&](const jobs::CheckLine& line) {
        const char* mark = line.level == jobs::CheckLine::Level::ok       ? "ok  "
                           : line.level == jobs::CheckLine::Level::detail ? "    "
                                                                          : "!!  ";
        auto text = line.text;
        // Another version may read recipes or write results this client does not expect.
        if (line.level == jobs::CheckLine::Level::warning)
            text += fmt::format(": run 'sluice-cli engine deploy {}' to put the same version there", name);
        std::fprintf(ctx.out, "%s%s\n", mark, terminal_text(text).c_str());
    };
    const auto result = jobs::check_profile(*host, version, print);
    if (!result.failure) return 0;
    if (result.engine == jobs::EngineFinding::missing && !jobs::is_local(*profile))
        return report(ctx,
                      result.failure->context(fmt::format(
                          "no usable engine (build one there with 'sluice-cli engine deploy {}')", name)));
    return report(ctx, *result.failure);
}

} // namespace sluice::cli
