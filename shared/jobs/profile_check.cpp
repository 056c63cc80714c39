#include "jobs/profile_check.hpp"

#include "jobs/local_profile.hpp"
#include "jobs/script.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

namespace sluice::jobs {
namespace {

// Collects the lines and stops at the first failure or cancel.
class Checks {
public:
    Checks(ProfileCheck& result, const std::function<void(const CheckLine&)>& on_line, std::stop_token cancel)
        : result_(result), on_line_(on_line), cancel_(std::move(cancel)) {}

    /// False once a check failed or the user cancelled: nothing more runs.
    bool going() {
        if (!result_.failure && cancel_.stop_requested())
            result_.failure = Error{ErrorKind::cancelled, "the test was cancelled", {}};
        return !result_.failure;
    }
    void add(CheckLine::Level level, std::string text) {
        CheckLine line{level, std::move(text)};
        if (on_line_) on_line_(line);
        result_.lines.push_back(std::move(line));
    }
    void failed(Error e) {
        // A script ended by the cancel says so, not what it was doing.
        if (cancel_.stop_requested()) e = Error{ErrorKind::cancelled, "the test was cancelled", {}};
        result_.failure = std::move(e);
    }
    std::stop_token cancel() const { return cancel_; }

private:
    ProfileCheck& result_;
    const std::function<void(const CheckLine&)>& on_line_;
    std::stop_token cancel_;
};

constexpr std::string_view writable_script =
    "mkdir -p -- \"$1\" && t=$(mktemp \"$1/.sluice-test.XXXXXX\") && rm -f -- \"$t\"";

void check_engine(JobHost& host, std::string_view client_version, ProfileCheck& result, Checks& checks) {
    if (!checks.going()) return;
    auto engine = host.run("starting sluice-engine", engine_check_script(host.profile()), {},
                           std::chrono::minutes(2), checks.cancel());
    if (!engine) {
        if (!checks.cancel().stop_requested()) result.engine = EngineFinding::missing;
        return checks.failed(engine.error());
    }
    result.engine_version = first_line(engine->out);
    checks.add(CheckLine::Level::ok, result.engine_version);
    // Another version may read recipes or write results this client does not expect.
    const auto expected = fmt::format("sluice-engine {}", client_version);
    if (result.engine_version == expected) {
        result.engine = EngineFinding::found;
    } else {
        result.engine = EngineFinding::outdated;
        checks.add(CheckLine::Level::warning, fmt::format("this client is {}", expected));
    }
}

void check_here(JobHost& host, std::string_view client_version, ProfileCheck& result, Checks& checks) {
    const auto& profile = host.profile();
    const auto dir = sluice_directory(profile) + "/jobs";
    auto writable = host.run("checking the jobs directory", writable_script, {dir}, std::chrono::minutes(2),
                             checks.cancel());
    if (!writable) return checks.failed(writable.error());
    checks.add(CheckLine::Level::ok, fmt::format("{} is writable", dir));
    const int ranks = profile.resources.tasks_per_node;
    checks.add(
        CheckLine::Level::ok,
        fmt::format("{} rank{} per run{}", ranks, ranks == 1 ? "" : "s",
                    mpirun_usable() ? " under mpirun" : " (mpirun not usable here: the engine runs alone)"));
    check_engine(host, client_version, result, checks);
}

void check_cluster(JobHost& host, std::string_view client_version, ProfileCheck& result, Checks& checks) {
    const auto& profile = host.profile();
    auto peer = host.connect();
    if (!peer) return checks.failed(peer.error());
    checks.add(CheckLine::Level::ok, fmt::format("logged in to {}", *peer));

    if (!checks.going()) return;
    const char* submit = profile.scheduler == Scheduler::slurm ? "sbatch" : "qsub";
    auto found = host.run(fmt::format("looking for {}", submit), "command -v \"$1\"", {submit},
                          std::chrono::minutes(2), checks.cancel());
    if (!found)
        return checks.failed(found.error().context(fmt::format("{} is not on the login PATH", submit)));
    checks.add(CheckLine::Level::ok, fmt::format("{} is {}", submit, first_line(found->out)));

    if (!checks.going()) return;
    const auto scratch = sluice_directory(profile);
    auto writable = host.run("checking the scratch directory",
                             std::string(writable_script) + " && df -P -- \"$1\" | tail -n 1", {scratch},
                             std::chrono::minutes(2), checks.cancel());
    if (!writable) return checks.failed(writable.error());
    const std::string df(first_line(writable->out));
    checks.add(CheckLine::Level::ok,
               fmt::format("{} is writable{}", scratch, df.empty() ? "" : " (df: see below)"));
    if (!df.empty()) checks.add(CheckLine::Level::detail, df);

    check_engine(host, client_version, result, checks);
}

} // namespace

ProfileCheck check_profile(JobHost& host, std::string_view client_version,
                           const std::function<void(const CheckLine&)>& on_line, std::stop_token cancel) {
    ProfileCheck result;
    Checks checks(result, on_line, std::move(cancel));
    if (!checks.going()) return result;
    if (is_local(host.profile()))
        check_here(host, client_version, result, checks);
    else
        check_cluster(host, client_version, result, checks);
    return result;
}

} // namespace sluice::jobs
