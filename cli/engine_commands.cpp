// sluice-cli engine deploy: build this client's engine ON a cluster (jobs/engine_deploy.hpp, shared with
// the app's profiles dialog), record it in the profile, then send a test job through the scheduler.
#include "commands.hpp"
#include "jobs/deploy_test.hpp"
#include "jobs/engine_deploy.hpp"
#include "jobs/local_profile.hpp"
#include "sluice/version.hpp"
#include "terminal.hpp"
#include "util/utf8.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <memory>
#include <system_error>

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

// The deployed engine's first job (jobs/deploy_test.hpp), in a temporary folder removed afterwards.
int test_job(const Context& ctx, const jobs::ClusterProfile& profile) {
    if (jobs::find_local_engine().empty()) {
        std::fprintf(ctx.out, "--  no sluice-engine on this computer to write a test file: no test job\n");
        return 0;
    }
    std::string pattern = (fs::temp_directory_path() / "sluice-deploy-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        return report(ctx, {ErrorKind::io, "cannot create a temporary directory"});
    struct Remove {
        fs::path dir;
        ~Remove() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } remove{pattern};
    auto test = jobs::write_deploy_test(remove.dir, profile);
    if (!test) return report(ctx, test.error());
    auto plan = jobs::plan_job(profile, *test);
    if (!plan) return report(ctx, plan.error());
    // Submitting's own lines (states, the id) are not this command's.
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> quiet_out(std::fopen("/dev/null", "w"),
                                                                    &std::fclose);
    if (!quiet_out) return report(ctx, {ErrorKind::io, "cannot open /dev/null"});
    Context quiet = ctx;
    quiet.out = quiet_out.get();
    if (const int submitted = submit_plan(quiet, *plan); submitted != 0) return submitted;
    const auto id = plan->record.id;
    std::fprintf(ctx.out, "    test job %s: 2 ranks on the deployed engine; watching it...\n", id.c_str());
    std::fflush(ctx.out);
    WatchArgs watching;
    watching.ids = {id};
    watching.max_interval_s = 10;
    watching.max_resubmits = 0;
    if (const int watched = watch(ctx, watching); watched != 0) return watched;
    if (!fs::exists(plan->record.local_output))
        return report(ctx, {ErrorKind::io, fmt::format("test job {} ended without a result", id)});
    std::fprintf(ctx.out, "ok  test job %s filtered a synthetic file with 2 ranks\n", id.c_str());
    return 0;
}

} // namespace

int engine_deploy(const Context& ctx, const DeployArgs& args) {
    auto profile = find_profile(ctx, args.profile);
    if (!profile) return report(ctx, profile.error());
    if (jobs::is_local(*profile))
        return report(ctx, {ErrorKind::refused, "'local' runs the engine installed on this computer; deploy "
                                                "is for cluster profiles"});
    jobs::DeployOptions options;
    options.build_modules = args.build_modules;
    options.prefix = args.prefix;
    options.jobs = args.jobs;
    options.time_limit_minutes = args.time_limit_minutes;
    options.force = args.force;
    if (args.in_job) options.in_job = true;
    if (args.on_login_node) options.in_job = false;
    if (auto st = jobs::check_deploy_options(options); !st) return report(ctx, st.error());
    auto archive = jobs::engine_source_archive();
    if (!archive) return report(ctx, archive.error());
    jobs::ClusterClient cluster(*profile, terminal_callbacks());
    const auto print = [&](const jobs::CheckLine& line) {
        std::fprintf(ctx.out, "%s%s\n", line.level == jobs::CheckLine::Level::ok ? "ok  " : "    ",
                     terminal_text(line.text).c_str());
        std::fflush(ctx.out);
    };
    auto deployed = jobs::deploy_engine(cluster, *archive, version, options, print);
    if (!deployed) return report(ctx, deployed.error());

    // The profile's jobs start exactly this engine from now on.
    if (profile->engine.kind != jobs::EngineCommand::Kind::path ||
        profile->engine.value != deployed->engine) {
        if (auto st = jobs::record_deployed_engine(ctx.profiles, profile->name, deployed->engine); !st)
            return report(ctx, st.error());
        std::fprintf(ctx.out, "ok  profile '%s' now runs %s\n", profile->name.c_str(),
                     deployed->engine.c_str());
    }
    std::fprintf(ctx.out,
                 "ok  module file: %s/share/sluice/modulefiles (module use it to load sluice-engine)\n",
                 deployed->install.c_str());
    if (!deployed->built || args.no_test_job) return 0;
    // submit and watch log in again, as those commands do (a 2FA code each time).
    // The profile as now recorded: its jobs run the deployed engine.
    auto deployed_profile = find_profile(ctx, profile->name);
    if (!deployed_profile) return report(ctx, deployed_profile.error());
    return test_job(ctx, *deployed_profile);
}

} // namespace sluice::cli
