#pragma once
// sluice-cli's subcommands over sluice_client (the sluice_cli library; app.hpp parses the command line). Each
// returns the process exit code: 0 done, 1 a failure (connection, server, disk), 2 bad input or a refusal;
// the reason goes to stderr on one line.
#include "jobs/job_runner.hpp"
#include "jobs/profile.hpp"
#include "jobs/scaling.hpp"
#include "util/error.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

struct Context {
    std::filesystem::path store;    ///< jobs.sqlite
    std::filesystem::path profiles; ///< profiles.json
    std::FILE* out = stdout;        ///< what a command prints; tests pass a buffer
    std::FILE* err = stderr;        ///< reasons and warnings
};

/// Print "sluice-cli: <message>" on ctx.err and return the exit code for the error's kind.
int report(const Context& ctx, const Error& e);

/// The named profile from profiles.json; an unknown name is bad input.
[[nodiscard]] Result<jobs::ClusterProfile> find_profile(const Context& ctx, const std::string& name);

int profile_add(const Context& ctx, const jobs::ClusterProfile& profile, bool replace);
int profile_list(const Context& ctx, bool json);
int profile_remove(const Context& ctx, const std::string& name);
int profile_test(const Context& ctx, const std::string& name);

struct SubmitArgs {
    std::filesystem::path input;
    std::string dataset;
    std::filesystem::path recipe;
    std::string profile;
    std::filesystem::path output;
    std::optional<std::string> walltime, partition, account, qos, memory;
    std::optional<int> nodes, tasks_per_node, block_rows;
    bool dry_run = false;
    bool suggested = false; ///< nodes, tasks per node and walltime from the newest fitting scaling study
};
int submit(const Context& ctx, const SubmitArgs& args);
/// Insert a planned job, upload and submit it; prints its id.
int submit_plan(const Context& ctx, jobs::JobPlan& plan);

struct ScalingArgs {
    std::filesystem::path input;
    std::string dataset;
    std::filesystem::path recipe;
    std::string profile;
    std::vector<int> ranks; ///< empty: 1, 2, 4, … up to the profile's nodes × tasks per node
    std::optional<std::int64_t> rows;
    std::optional<std::string> walltime, partition, account, qos;
    std::optional<int> tasks_per_node;
    int max_interval_s = 60;
};
/// Submit one scaling-study job, follow it like watch, keep and print its table (scaling_commands.cpp).
int scaling(const Context& ctx, const ScalingArgs& args);
/// A done study's table for the whole dataset (from its downloaded scaling.json); nothing for other jobs.
[[nodiscard]] std::optional<jobs::ScalingTable> study_table(const jobs::JobRecord& job);
/// Tell about a fitting study's suggestion (on ctx.err), or with `use` re-plan `plan` with it; 0 or the
/// exit code of a failure.
int apply_suggestion(const Context& ctx, const jobs::ClusterProfile& profile, bool use, jobs::NewJob& job,
                     jobs::JobPlan& plan);

int status(const Context& ctx, const std::vector<std::string>& ids, bool json);

struct WatchArgs {
    std::vector<std::string> ids; ///< empty: every job that needs attention
    bool once = false;            ///< one round of polls, then exit
    int max_interval_s = 60;      ///< longest wait between two polls of a cluster
    int max_resubmits = 5;
};
int watch(const Context& ctx, const WatchArgs& args);

int cancel(const Context& ctx, const std::string& id);
int fetch(const Context& ctx, const std::string& id);
/// List a done job's files on its cluster with sizes and remove those no other job needs.
int clean(const Context& ctx, const std::string& id, bool dry_run);
/// Run a stopped, failed or cancelled job again; the engine resumes from its checkpoint.
int resume(const Context& ctx, const std::string& id);

struct DeployArgs {
    std::string profile;
    std::vector<std::string> build_modules; ///< `module` commands for the build only (cmake, gcc)
    std::string prefix;                     ///< empty: ~/.local/share/sluice/engine/<version> on the cluster
    int jobs = 4;                           ///< parallel compiles on the login node
    int time_limit_minutes = 30;
    bool force = false;         ///< rebuild even when the same version is installed
    bool no_test_job = false;   ///< skip the 2-rank job through the scheduler after a build
    bool in_job = false;        ///< build in a batch job, whatever the profile says
    bool on_login_node = false; ///< build on the login node, whatever the profile says
};
/// Build this client's engine on the profile's cluster from the shipped source and record it in the
/// profile (engine_commands.cpp). The same version already there: nothing is built.
int engine_deploy(const Context& ctx, const DeployArgs& args);

} // namespace sluice::cli
