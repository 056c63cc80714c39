// sluice-cli's command line: CLI11 over the commands of commands.hpp. A library function, so tests run
// the real command line in-process with output into buffers.
#include "app.hpp"

#include "commands.hpp"
#include "h5/h5_error.hpp"
#include "jobs/job_store.hpp"
#include "jobs/profiles_file.hpp"
#include "sluice/version.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>
#include <string>

namespace {

using namespace sluice;

void add_profile_options(CLI::App* cmd, jobs::ClusterProfile& p, std::string& scheduler,
                         std::string& engine_path, std::string& engine_module, std::string& engine_container,
                         bool& no_locking) {
    cmd->add_option("name", p.name, "Profile name")->required();
    cmd->add_option("--host", p.host, "Login node: host name, address or ~/.ssh/config alias")->required();
    cmd->add_option("--scratch", p.scratch_dir, "Absolute scratch directory on the cluster")->required();
    cmd->add_option("--scheduler", scheduler, "slurm, pbs (PBS Pro/OpenPBS) or torque")->default_val("slurm");
    cmd->add_option("--user", p.user, "Login name (default: ~/.ssh/config, then the local user)");
    cmd->add_option("--port", p.port, "SSH port (default: ~/.ssh/config, then 22)");
    cmd->add_option("--account", p.resources.account, "Account to charge");
    cmd->add_option("--partition", p.resources.partition, "Slurm partition or PBS queue");
    cmd->add_option("--qos", p.resources.qos, "Quality of service");
    cmd->add_option("--nodes", p.resources.nodes, "Nodes per job")->default_val(1);
    cmd->add_option("--tasks-per-node", p.resources.tasks_per_node, "MPI ranks per node")->default_val(1);
    cmd->add_option("--walltime", p.resources.walltime, "HH:MM:SS or D-HH:MM:SS")->default_val("01:00:00");
    cmd->add_option("--memory", p.resources.memory, "Memory per node, e.g. 16G");
    cmd->add_option("--module", p.modules, "A `module` command for jobs, e.g. 'load hdf5/1.10' (repeatable)");
    cmd->add_option("--env", p.environment,
                    "NAME=value exported in jobs, value taken literally (repeatable)");
    cmd->add_option("--directive", p.extra_directives,
                    "An extra scheduler directive for every job, without #SBATCH/#PBS, e.g. "
                    "'--constraint=haswell' or '-l place=scatter' (repeatable; whitelisted)");
    cmd->add_option("--prologue", p.prologue,
                    "A shell line every job runs before the engine, after modules and environment, e.g. "
                    "'source /opt/site/env.sh' (repeatable)");
    auto* path = cmd->add_option("--engine-path", engine_path, "sluice-engine's path on the cluster");
    auto* module = cmd->add_option("--engine-module", engine_module, "Module that provides sluice-engine");
    auto* container =
        cmd->add_option("--engine-container", engine_container, "Apptainer image with sluice-engine");
    path->excludes(module)->excludes(container);
    module->excludes(container);
    cmd->add_flag("--no-hdf5-file-locking", no_locking,
                  "For Lustre/NFS scratch that refuses HDF5's file locks");
    cmd->add_option("--srun-mpi", p.srun_mpi, "Slurm: srun --mpi plugin")->default_val("pmix");
    cmd->add_option("--transfer-streams", p.transfer_streams,
                    "Parallel SFTP channels for files of 64 MiB and more: 0 automatic, 1 to 8 fixed")
        ->default_val(0);
    cmd->add_flag("--deploy-in-job", p.deploy_in_job,
                  "engine deploy builds in a short batch job instead of on the login node");
}

} // namespace

namespace sluice::cli {

int run(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
    h5::silence_error_printing();
    CLI::App app{"sluice-cli: run Sluice filter jobs on this computer (--profile local) or on Slurm and PBS\n"
                 "clusters from a terminal. Profiles and jobs are shared with the Sluice desktop app."};
    app.require_subcommand(1, 1);
    app.set_version_flag("--version", std::string("sluice-cli ") + version);
    cli::Context ctx;
    ctx.out = out;
    ctx.err = err;
    std::string store_path, profiles_path;
    app.add_option("--store", store_path, "Job store (default: $XDG_DATA_HOME/sluice/jobs.sqlite)");
    app.add_option("--profiles", profiles_path, "Profiles (default: $XDG_CONFIG_HOME/sluice/profiles.json)");

    auto* profile = app.add_subcommand("profile", "Add, list, remove or test cluster profiles");
    profile->require_subcommand(1, 1);
    jobs::ClusterProfile new_profile;
    std::string scheduler, engine_path, engine_module, engine_container;
    bool no_locking = false, replace = false, list_json = false;
    auto* add = profile->add_subcommand("add", "Add a cluster profile (no secrets are stored)");
    add_profile_options(add, new_profile, scheduler, engine_path, engine_module, engine_container,
                        no_locking);
    add->add_flag("--replace", replace, "Overwrite a profile with the same name");
    auto* list = profile->add_subcommand("list", "List profiles");
    list->add_flag("--json", list_json, "The profiles as JSON");
    std::string profile_name;
    auto* remove = profile->add_subcommand("remove", "Remove a profile");
    remove->add_option("name", profile_name, "Profile name")->required();
    auto* test =
        profile->add_subcommand("test", "Log in, find the scheduler, check scratch, start sluice-engine");
    test->add_option("name", profile_name, "Profile name")->required();

    cli::SubmitArgs submit;
    auto* sub = app.add_subcommand("submit", "Upload a file and submit a filter job (prints the job id)");
    sub->add_option("file", submit.input, "Local HDF5 file")->required()->check(CLI::ExistingFile);
    sub->add_option("--dataset", submit.dataset, "Path of the h5USID Main dataset")->required();
    sub->add_option("--recipe", submit.recipe, "Recipe JSON (as saved by the Sluice filter designer)")
        ->required();
    sub->add_option("--profile", submit.profile, "Where to run: 'local' (this computer) or a cluster profile")
        ->required();
    sub->add_option("--output", submit.output,
                    "Where the result goes (default: FILE's stem-filtered-NNN.h5 beside it)");
    sub->add_option("--walltime", submit.walltime, "Override the profile's walltime");
    sub->add_option("--partition", submit.partition, "Override the profile's partition/queue");
    sub->add_option("--account", submit.account, "Override the profile's account");
    sub->add_option("--qos", submit.qos, "Override the profile's QoS");
    sub->add_option("--memory", submit.memory, "Override the profile's memory per node");
    sub->add_option("--nodes", submit.nodes, "Override the profile's node count");
    sub->add_option("--tasks-per-node", submit.tasks_per_node, "Override the profile's ranks per node");
    sub->add_option("--block-rows", submit.block_rows, "Rows per block and checkpoint (engine default 256)");
    sub->add_flag("--dry-run", submit.dry_run,
                  "Check everything and print the job script; upload and submit nothing");
    sub->add_flag("--suggested", submit.suggested,
                  "Nodes, ranks per node and walltime from the newest scaling study of this profile for rows "
                  "of this length (see 'sluice-cli scaling')");

    cli::ScalingArgs scaling;
    auto* scaling_cmd = app.add_subcommand(
        "scaling", "Time the engine on a row sample at several rank counts in ONE job, then print the "
                   "projected time, speed-up, efficiency and core-hours for the whole dataset and the "
                   "recommended rank count");
    scaling_cmd->add_option("file", scaling.input, "Local HDF5 file")->required()->check(CLI::ExistingFile);
    scaling_cmd->add_option("--dataset", scaling.dataset, "Path of the h5USID Main dataset")->required();
    scaling_cmd->add_option("--recipe", scaling.recipe, "Recipe JSON")->required();
    scaling_cmd->add_option("--profile", scaling.profile, "'local' (this computer) or a cluster profile")
        ->required();
    scaling_cmd
        ->add_option("--ranks", scaling.ranks,
                     "Rank counts, ascending, e.g. 1,2,4,8 (default: doubling up to the profile's ranks)")
        ->delimiter(',');
    scaling_cmd->add_option("--rows", scaling.rows,
                            "Rows in the sample (default 4096, at most the dataset's)");
    scaling_cmd->add_option("--walltime", scaling.walltime, "Override the profile's walltime");
    scaling_cmd->add_option("--partition", scaling.partition, "Override the profile's partition/queue");
    scaling_cmd->add_option("--account", scaling.account, "Override the profile's account");
    scaling_cmd->add_option("--qos", scaling.qos, "Override the profile's QoS");
    scaling_cmd->add_option("--tasks-per-node", scaling.tasks_per_node,
                            "Ranks per node (nodes follow from the largest rank count)");
    scaling_cmd->add_option("--max-interval", scaling.max_interval_s, "Longest wait between polls, seconds")
        ->default_val(60)
        ->check(CLI::Range(1, 3600));

    std::vector<std::string> ids;
    bool status_json = false;
    auto* status = app.add_subcommand("status", "Jobs and their states, as last recorded (no network)");
    status->add_option("job", ids, "Job ids (default: all)");
    status->add_flag("--json", status_json, "Machine-readable output");

    cli::WatchArgs watch;
    auto* watch_cmd =
        app.add_subcommand("watch", "Poll the clusters, resubmit stopped jobs, download results, until "
                                    "every job is done");
    watch_cmd->add_option("job", watch.ids, "Only these jobs (default: every job that needs attention)");
    watch_cmd->add_flag("--once", watch.once, "One round of polls, then exit");
    watch_cmd
        ->add_option("--max-interval", watch.max_interval_s,
                     "Longest wait between polls of a cluster, seconds")
        ->default_val(60)
        ->check(CLI::Range(1, 3600));
    watch_cmd->add_option("--max-resubmits", watch.max_resubmits, "Resubmissions after clean stops, per job")
        ->default_val(5)
        ->check(CLI::Range(0, 100));

    std::string job_id;
    auto* cancel = app.add_subcommand("cancel", "Cancel a job on its cluster");
    cancel->add_option("job", job_id, "Job id")->required();
    auto* fetch = app.add_subcommand("fetch", "Download a completed job's result");
    fetch->add_option("job", job_id, "Job id")->required();
    bool clean_dry_run = false;
    auto* clean = app.add_subcommand(
        "clean",
        "Remove a done job's files from its cluster's scratch (its input stays while another job needs it)");
    clean->add_option("job", job_id, "Job id")->required();
    clean->add_flag("--dry-run", clean_dry_run, "Only list the files and their sizes");
    auto* resume =
        app.add_subcommand("resume", "Run a stopped, failed or cancelled job again from its checkpoint");
    resume->add_option("job", job_id, "Job id")->required();

    cli::DeployArgs deploy;
    auto* engine = app.add_subcommand("engine", "Put this version's sluice-engine on a cluster");
    engine->require_subcommand(1, 1);
    auto* deploy_cmd = engine->add_subcommand(
        "deploy", "Build sluice-engine on the cluster (login node, or a batch job) against its MPI, HDF5 "
                  "and FFTW, and record it in the profile (nothing to do when that version is there)");
    deploy_cmd->add_option("name", deploy.profile, "Profile name")->required();
    deploy_cmd->add_option("--build-module", deploy.build_modules,
                           "A `module` command for the build only, e.g. 'load cmake' (repeatable; the "
                           "profile's --module lines apply too)");
    deploy_cmd->add_option("--prefix", deploy.prefix,
                           "Install directory on the cluster (default ~/.local/share/sluice/engine/VERSION)");
    deploy_cmd->add_option("--jobs", deploy.jobs, "Parallel compiles (in a build job: its cores)")
        ->default_val(4)
        ->check(CLI::Range(1, 64));
    deploy_cmd->add_option("--time-limit", deploy.time_limit_minutes, "Longest build, minutes")
        ->default_val(30)
        ->check(CLI::Range(1, 240));
    auto* in_job = deploy_cmd->add_flag(
        "--in-job", deploy.in_job, "Build in a short batch job (default: the profile's --deploy-in-job)");
    deploy_cmd->add_flag("--on-login-node", deploy.on_login_node, "Build on the login node")
        ->excludes(in_job);
    deploy_cmd->add_flag("--force", deploy.force, "Build even when this version is installed there");
    deploy_cmd->add_flag("--no-test-job", deploy.no_test_job,
                         "After a build, do not run the 2-rank test job through the scheduler");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) { // --help, --version: to the caller's streams
        std::ostringstream o, x;
        const int code = app.exit(e, o, x);
        std::fputs(o.str().c_str(), out);
        std::fputs(x.str().c_str(), err);
        return code;
    } catch (const CLI::ParseError& e) {
        std::fprintf(err, "sluice-cli: %s\nRun 'sluice-cli --help' for usage.\n", e.what());
        return 2;
    }

    if (store_path.empty()) {
        auto p = jobs::default_job_store_path();
        if (!p) return cli::report(ctx, p.error());
        ctx.store = *p;
    } else {
        ctx.store = store_path;
    }
    if (profiles_path.empty()) {
        auto p = jobs::default_profiles_path();
        if (!p) return cli::report(ctx, p.error());
        ctx.profiles = *p;
    } else {
        ctx.profiles = profiles_path;
    }

    if (*add) {
        auto s = jobs::scheduler_from_string(scheduler);
        if (!s) return cli::report(ctx, s.error());
        new_profile.scheduler = *s;
        if (!engine_module.empty()) new_profile.engine = {jobs::EngineCommand::Kind::module, engine_module};
        if (!engine_container.empty())
            new_profile.engine = {jobs::EngineCommand::Kind::container, engine_container};
        if (!engine_path.empty()) new_profile.engine = {jobs::EngineCommand::Kind::path, engine_path};
        new_profile.hdf5_file_locking = !no_locking;
        if (auto st = jobs::validate_profile(new_profile); !st) return cli::report(ctx, st.error());
        return cli::profile_add(ctx, new_profile, replace);
    }
    if (*list) return cli::profile_list(ctx, list_json);
    if (*remove) return cli::profile_remove(ctx, profile_name);
    if (*test) return cli::profile_test(ctx, profile_name);
    if (*sub) return cli::submit(ctx, submit);
    if (*scaling_cmd) return cli::scaling(ctx, scaling);
    if (*status) return cli::status(ctx, ids, status_json);
    if (*watch_cmd) return cli::watch(ctx, watch);
    if (*cancel) return cli::cancel(ctx, job_id);
    if (*fetch) return cli::fetch(ctx, job_id);
    if (*clean) return cli::clean(ctx, job_id, clean_dry_run);
    if (*resume) return cli::resume(ctx, job_id);
    if (*deploy_cmd) return cli::engine_deploy(ctx, deploy);
    return 2;
}

} // namespace sluice::cli
