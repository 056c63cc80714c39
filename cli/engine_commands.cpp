// sluice-cli engine deploy: build this client's engine ON a cluster (jobs/engine_deploy.hpp, shared with
// the app's profiles dialog), record it in the profile, then send a test job through the scheduler.
#include "commands.hpp"
#include "jobs/engine_deploy.hpp"
#include "jobs/local_profile.hpp"
#include "sluice/version.hpp"
#include "terminal.hpp"
#include "util/shell_quote.hpp"
#include "util/text.hpp"
#include "util/utf8.hpp"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <system_error>

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

// The deployed engine's first job: a small synthetic file (written here by this computer's engine)
// filtered with 2 ranks through the cluster's scheduler, by the same submit and watch as every job.
int test_job(const Context& ctx, const std::string& profile) {
    const auto local_engine = jobs::find_local_engine();
    if (local_engine.empty()) {
        std::fprintf(ctx.out, "--  no sluice-engine on this computer to write a test file: no test job\n");
        return 0;
    }
    std::string pattern = (fs::temp_directory_path() / "sluice-deploy-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        return report(ctx, {ErrorKind::io, "cannot create a temporary directory"});
    const fs::path dir = pattern;
    struct Remove {
        fs::path dir;
        ~Remove() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } remove{dir};
    const auto input = dir / "deploy-test.h5";
    const auto synth = shell_join({local_engine.string(), "synth", "--output", input.string(), "--rows", "16",
                                   "--points", "1024", "--rate", "1000000", "--seed", "1"}) +
                       " >/dev/null";
    if (std::system(synth.c_str()) != 0 || !fs::exists(input))
        return report(
            ctx, {ErrorKind::io, fmt::format("{} could not write the test file", local_engine.string())});
    std::ofstream(dir / "recipe.json")
        << R"({"format": "sluice-recipe", "version": 1, "noise_threshold": 0.0001, )"
        << R"("filters": [{"type": "low_pass", "cutoff_hz": 100000.0, "roll_off": 0.05}]})" << '\n';
    SubmitArgs args;
    args.input = input;
    args.dataset = "/Measurement_000/Channel_000/Raw_Data";
    args.recipe = dir / "recipe.json";
    args.profile = profile;
    args.output = dir / "deploy-test-filtered.h5";
    args.nodes = 1;
    args.tasks_per_node = 2;
    args.walltime = "00:05:00";
    // The job id is submit's last line of output.
    char* text = nullptr;
    std::size_t size = 0;
    std::FILE* captured = ::open_memstream(&text, &size);
    Context quiet = ctx;
    quiet.out = captured;
    const int submitted = submit(quiet, args);
    std::fclose(captured);
    std::string id(trim(std::string_view(text, size)));
    std::free(text);
    if (submitted != 0) return submitted;
    id = id.substr(id.rfind('\n') + 1);
    std::fprintf(ctx.out, "    test job %s: 2 ranks on the deployed engine; watching it...\n", id.c_str());
    std::fflush(ctx.out);
    WatchArgs watching;
    watching.ids = {id};
    watching.max_interval_s = 10;
    watching.max_resubmits = 0;
    if (const int watched = watch(ctx, watching); watched != 0) return watched;
    if (!fs::exists(args.output))
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
    return test_job(ctx, profile->name);
}

} // namespace sluice::cli
