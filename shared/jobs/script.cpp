#include "jobs/script.hpp"

#include "jobs/directive_values.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/scheduler_adapters.hpp"
#include "jobs/script_additions.hpp"
#include "util/shell_quote.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <vector>

namespace sluice::jobs {
namespace {

using std::chrono::seconds;

// Module lines are split into words, each quoted: `load $(x)` loads a module literally named `$(x)`.
std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    std::string current;
    for (char c : line) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::vector<std::string> engine_words(const ClusterProfile& profile) {
    switch (profile.engine.kind) {
    case EngineCommand::Kind::module:
        return {"sluice-engine"};
    case EngineCommand::Kind::path:
        return {profile.engine.value};
    case EngineCommand::Kind::container:
        return {"apptainer", "exec", profile.engine.value, "sluice-engine"};
    }
    return {};
}

std::vector<std::string> filter_arguments(const JobSpec& spec, const std::optional<StopTiming>& timing) {
    std::vector<std::string> a{
        "filter", "--input", spec.input, "--dataset", spec.dataset, "--recipe", std::string(recipe_file)};
    if (spec.output) {
        a.insert(a.end(), {"--output", *spec.output});
    } else {
        a.emplace_back("--in-place");
    }
    a.insert(a.end(), {"--progress", std::string(progress_file)});
    if (timing) a.insert(a.end(), {"--time-limit", std::to_string(timing->time_limit.count())});
    if (spec.source_sha256) a.insert(a.end(), {"--source-sha256", *spec.source_sha256});
    if (spec.block_rows) a.insert(a.end(), {"--block-rows", std::to_string(*spec.block_rows)});
    return a;
}

// Fixed text: no value is ever spliced into it. status.json is written with printf from variables this
// script sets itself (state words, integers, `date` output, a host name cut to name characters).
constexpr std::string_view status_functions = R"(started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
host=$(hostname 2>/dev/null | tr -cd 'A-Za-z0-9._-' || true)
engine_rc=

write_status() {
    printf '{"state": "%s", "exit_code": %s, "started": "%s", "ended": %s, "host": "%s", "engine_progress": "progress.json"}\n' \
        "$1" "$2" "$started" "$3" "$host" >status.json.tmp && mv -f status.json.tmp status.json
}

# Every exit a trap can catch leaves a final status; SIGKILL leaves "running", which the client reads
# as killed and asks the scheduler about.
on_exit() {
    local state=failed code=null
    if [ -n "$engine_rc" ]; then
        code=$engine_rc
        case $engine_rc in
        0) state=completed ;;
        3) state=stopped ;;
        esac
    elif [ "$stop_requested" = 1 ]; then
        state=stopped
    fi
    write_status "$state" "$code" "\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"" || true
}
trap on_exit EXIT
write_status running null null
)";

// Lmod and Environment Modules are not always defined in a batch shell (PBS does not pass functions)
// and some versions trip over `set -u`.
constexpr std::string_view module_init = R"(set +u
if ! type module >/dev/null 2>&1; then
    for init in /etc/profile.d/lmod.sh /etc/profile.d/modules.sh /usr/share/lmod/lmod/init/bash; do
        if [ -r "$init" ]; then . "$init"; break; fi
    done
fi
)";

// The first wait returns early when the trap fires; the second collects the engine's real status.
// The trap disarms itself, so a second signal cannot cut the second wait short as well.
constexpr std::string_view wait_engine = R"(pid=$!
trap 'kill -USR1 "$pid" 2>/dev/null || true; trap "" USR1 TERM' USR1 TERM
if [ "$stop_requested" = 1 ]; then kill -USR1 "$pid" 2>/dev/null || true; fi
engine_rc=0
wait "$pid" || wait "$pid" || engine_rc=$?
exit "$engine_rc"
)";

// Modules, then the profile's environment and prologue: what the engine needs, for the job and for
// `profile test`.
std::string environment_setup(const ClusterProfile& profile) {
    std::string s;
    const bool module_engine = profile.engine.kind == EngineCommand::Kind::module;
    // A prologue's `module load` needs the module function as much as the profile's module lines do.
    if (!profile.modules.empty() || module_engine || !profile.prologue.empty()) {
        s += '\n';
        s += module_init;
        for (const auto& m : profile.modules)
            s += fmt::format("module {}\n", shell_join(words(m)));
        if (module_engine) s += fmt::format("module {}\n", shell_join({"load", profile.engine.value}));
        s += "set -u\n";
    }
    if (!profile.environment.empty() || !profile.hdf5_file_locking) s += '\n';
    for (const auto& e : profile.environment) {
        const auto eq = e.find('=');
        s += fmt::format("export {}={}\n", e.substr(0, eq), shell_quote(std::string_view(e).substr(eq + 1)));
    }
    // Lustre and NFS scratch often refuse HDF5's file locks.
    if (!profile.hdf5_file_locking) s += "export HDF5_USE_FILE_LOCKING=FALSE\n";
    s += prologue_lines(profile);
    return s;
}

} // namespace

bool is_reserved_variable(std::string_view name) {
    // The script's variables (status_functions, module_init, wait_engine above) ...
    static constexpr std::string_view own[] = {"started", "host", "engine_rc", "stop_requested",
                                               "pid",     "init", "state",     "code"};
    // ... and bash's: how it splits words, what it runs before commands, which files it sources, and
    // where it finds mv and date for status.json (values are literal: PATH could only be replaced).
    static constexpr std::string_view shell[] = {
        "IFS",           "BASH_ENV",       "ENV",    "SHELLOPTS",  "BASHOPTS",
        "PS4",           "PROMPT_COMMAND", "CDPATH", "GLOBIGNORE", "POSIXLY_CORRECT",
        "BASH_XTRACEFD", "OLDPWD",         "PWD",    "HOME",       "SHELL",
        "PATH"};
    if (std::ranges::find(own, name) != std::end(own) || std::ranges::find(shell, name) != std::end(shell))
        return true;
    // A scaling study's script keeps all of its own variables under one prefix.
    return name.starts_with("BASH_") || name.starts_with("study_");
}

Result<StopTiming> stop_timing(seconds walltime, Scheduler scheduler) {
    StopTiming t;
    t.walltime = walltime;
    t.signal_margin = std::clamp(seconds(walltime.count() / 10), seconds(60), seconds(600));
    // Slurm's signal may come up to 60 s early; the engine's own limit stays ahead of it.
    const auto before_end = t.signal_margin + (scheduler == Scheduler::slurm ? seconds(60) : seconds(0));
    t.time_limit = walltime - before_end;
    if (t.time_limit < min_engine_time) {
        const auto needed = before_end + min_engine_time;
        return fail(ErrorKind::bad_input,
                    fmt::format("walltime: {} is too short: the engine stops {} s before the end to finish "
                                "cleanly and needs at least {} s to run; ask for {} or more",
                                format_slurm_time(walltime), before_end.count(), min_engine_time.count(),
                                format_slurm_time(needed)));
    }
    return t;
}

namespace {

// Everything before the engine runs, the same for a filter job and a study: directives, the stop trap,
// the job directory, status.json's functions, modules and environment.
struct ScriptHead {
    std::string text;
    std::optional<StopTiming> timing;
};

Result<ScriptHead> script_head(const ClusterProfile& profile, const JobSpec& spec) {
    if (auto st = validate_profile(profile); !st) return propagate(st);
    if (auto st = validate_job_spec(spec, profile.scheduler); !st)
        return std::unexpected(st.error().context(fmt::format("job '{}'", printable(spec.job_id))));
    // A cluster job asks for resources and stops itself before its walltime; this computer has neither.
    ScriptHead head;
    std::string directives;
    if (profile.scheduler != Scheduler::local) {
        auto walltime = parse_walltime(spec.resources.walltime);
        if (!walltime) return propagate(walltime);
        auto t = stop_timing(*walltime, profile.scheduler);
        if (!t) return propagate(t);
        head.timing = *t;
        auto d = profile.scheduler == Scheduler::slurm ? slurm_directives(spec, *t)
                                                       : pbs_directives(spec, profile.scheduler, *t);
        if (!d) return propagate(d);
        directives = std::move(*d) + extra_directive_lines(profile);
    }

    auto& s = head.text;
    s = "#!/bin/bash\n";
    s += directives;
    // First, as PBS's qsig signals every process of the job, this shell too: without a trap USR1 would
    // kill it. A stop request before the engine runs means it is not started (or, if it just was, it is
    // told to stop).
    s += "stop_requested=0\ntrap 'stop_requested=1' USR1 TERM\n";
    s += "set -euo pipefail\n\n";
    s += fmt::format("cd {}\n\n", shell_quote(job_directory(profile, spec.job_id)));
    s += status_functions;
    s += environment_setup(profile);
    // A prologue line may change the shell's options, traps or directory: the job's own come back.
    if (!profile.prologue.empty())
        s += fmt::format("set -euo pipefail\ntrap on_exit EXIT\ntrap 'stop_requested=1' USR1 TERM\n"
                         "engine_rc=\ncd {}\n",
                         shell_quote(job_directory(profile, spec.job_id)));
    return head;
}

} // namespace

Result<std::string> job_script(const ClusterProfile& profile, const JobSpec& spec) {
    auto head = script_head(profile, spec);
    if (!head) return propagate(head);
    std::string s = std::move(head->text);
    std::vector<std::string> command = launcher_words(spec, profile);
    const auto engine = engine_words(profile);
    command.insert(command.end(), engine.begin(), engine.end());
    const auto args = filter_arguments(spec, head->timing);
    command.insert(command.end(), args.begin(), args.end());
    // The launcher carries a profile value (srun --mpi=<plugin>), so it is quoted like everything else.
    s += "\nif [ \"$stop_requested\" = 1 ]; then exit 3; fi\n";
    s += fmt::format("{} &\n", shell_join(command));
    s += wait_engine;
    return s;
}

namespace {

// A study's fixed text (no value is spliced into it). study_run RANKS WORDS...: one engine run, timed
// around its launcher; study_gather: scaling.json from every run's record.
constexpr std::string_view study_functions = R"sh(
study_pid=
study_done=0
trap 'stop_requested=1; if [ -n "$study_pid" ]; then kill -USR1 "$study_pid" 2>/dev/null || true; fi; trap "" USR1 TERM' USR1 TERM

study_progress() {
    printf '{"state": "%s", "rows_done": %s, "rows_total": %s, "rows_per_s": 0, "eta_s": null, "updated": "%s"}\n' \
        "$1" "$2" "$study_total" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >progress.json.tmp && mv -f progress.json.tmp progress.json
}

study_run() {
    local ranks=$1 rc=0 t0 t1 ms
    shift
    if [ "$stop_requested" = 1 ]; then engine_rc=3; exit 3; fi
    rm -f -- "scaling-$ranks.h5" "stats-$ranks.json" "run-$ranks.json"
    t0=$(date +%s%N)
    "$@" &
    study_pid=$!
    wait "$study_pid" || wait "$study_pid" || rc=$?
    t1=$(date +%s%N)
    study_pid=
    rm -f -- "scaling-$ranks.h5"
    if [ "$rc" != 0 ]; then engine_rc=$rc; exit "$rc"; fi
    ms=$(((t1 - t0) / 1000000))
    {
        printf '{"ranks": %s, "wall_s": %d.%03d, "exit_code": 0, "stats": ' "$ranks" $((ms / 1000)) $((ms % 1000))
        cat "stats-$ranks.json"
        printf '}\n'
    } >"run-$ranks.json"
    study_done=$((study_done + study_sample))
    study_progress running "$study_done"
}

# Time left for the next run before the job's own stop (clusters): none left is a stop.
study_time_left() {
    study_left=$((study_limit - SECONDS))
    if [ "$study_left" -lt 10 ]; then engine_rc=3; exit 3; fi
}

study_gather() {
    local sep= r
    {
        printf '{"sample_rows": %s, "first_row": %s, "dataset_rows": %s, "points": %s, "runs": [' \
            "$study_sample" "$study_first" "$study_rows" "$study_points"
        for r in "$@"; do
            printf '%s' "$sep"
            cat "run-$r.json"
            sep=', '
        done
        printf ']}\n'
    } >scaling.json.tmp && mv -f scaling.json.tmp scaling.json
    study_progress done "$study_total"
}
)sh";

// The launcher for `ranks` ranks of the study (the job's allocation holds the largest count).
std::vector<std::string> study_launcher(const ClusterProfile& profile, const JobSpec& spec, int ranks) {
    const auto n = std::to_string(ranks);
    switch (profile.scheduler) {
    case Scheduler::slurm: {
        const int per_node = std::max(1, spec.resources.tasks_per_node);
        return {"srun", "--mpi=" + profile.srun_mpi,
                fmt::format("--nodes={}", (ranks + per_node - 1) / per_node), "--ntasks=" + n};
    }
    case Scheduler::local:
        if (ranks == 1) return {}; // one rank: the engine alone
        return {"mpirun", "-np", n};
    case Scheduler::pbs:
    case Scheduler::torque:
        return {"mpiexec", "-n", n};
    }
    return {};
}

} // namespace

Status validate_study(const ClusterProfile& profile, const JobSpec& spec, const StudySpec& study) {
    if (study.ranks.empty()) return fail(ErrorKind::bad_input, "ranks: give at least one rank count");
    const long long most = static_cast<long long>(spec.resources.nodes) * spec.resources.tasks_per_node;
    for (std::size_t i = 0; i < study.ranks.size(); ++i) {
        const int r = study.ranks[i];
        if (r < 1) return fail(ErrorKind::bad_input, fmt::format("ranks: {} is not a rank count", r));
        if (i > 0 && r <= study.ranks[i - 1])
            return fail(ErrorKind::bad_input, "ranks: give distinct rank counts in ascending order");
        if (!is_local(profile) && r > most)
            return fail(ErrorKind::bad_input,
                        fmt::format("ranks: {} ranks do not fit the job's {} node(s) × {} tasks", r,
                                    spec.resources.nodes, spec.resources.tasks_per_node));
        if (is_local(profile) && r > 1 && !mpirun_usable())
            return fail(ErrorKind::refused,
                        fmt::format("ranks: {} ranks need mpirun, which cannot run here (not installed, or "
                                    "running as root without OMPI_ALLOW_RUN_AS_ROOT)",
                                    r));
    }
    if (study.sample_rows < 1 || study.first_row < 0 ||
        study.first_row + study.sample_rows > study.dataset_rows)
        return fail(ErrorKind::bad_input,
                    fmt::format("rows: a sample of {} rows from row {} is not inside the "
                                "dataset's {} rows",
                                study.sample_rows, study.first_row, study.dataset_rows));
    return {};
}

Result<std::string> study_script(const ClusterProfile& profile, const JobSpec& spec, const StudySpec& study) {
    if (auto st = validate_study(profile, spec, study); !st) return propagate(st);
    auto head = script_head(profile, spec);
    if (!head) return propagate(head);
    std::string s = std::move(head->text);
    const auto number = [](std::int64_t v) { return shell_quote(std::to_string(v)); };
    s += fmt::format("\nstudy_sample={}\nstudy_first={}\nstudy_rows={}\nstudy_points={}\nstudy_total={}\n",
                     number(study.sample_rows), number(study.first_row), number(study.dataset_rows),
                     number(study.points),
                     number(study.sample_rows * static_cast<std::int64_t>(study.ranks.size())));
    if (head->timing) s += fmt::format("study_limit={}\n", number(head->timing->time_limit.count()));
    s += study_functions;
    s += "\nif [ \"$stop_requested\" = 1 ]; then exit 3; fi\nstudy_progress running 0\n";
    const auto engine = engine_words(profile);
    std::vector<std::string> counts;
    for (const int ranks : study.ranks) {
        const auto n = std::to_string(ranks);
        std::vector<std::string> command{n};
        const auto launcher = study_launcher(profile, spec, ranks);
        command.insert(command.end(), launcher.begin(), launcher.end());
        command.insert(command.end(), engine.begin(), engine.end());
        command.insert(command.end(), {"filter", "--input", spec.input, "--dataset", spec.dataset, "--recipe",
                                       std::string(recipe_file), "--output", "scaling-" + n + ".h5", "--rows",
                                       fmt::format("{}:{}", study.first_row, study.sample_rows), "--stats",
                                       "stats-" + n + ".json", "--progress", "run-progress.json"});
        if (spec.source_sha256) command.insert(command.end(), {"--source-sha256", *spec.source_sha256});
        if (spec.block_rows)
            command.insert(command.end(), {"--block-rows", std::to_string(*spec.block_rows)});
        // On a cluster each run may use what is left before the job's own stop.
        if (head->timing)
            s += fmt::format("study_time_left\nstudy_run {} --time-limit \"$study_left\"\n",
                             shell_join(command));
        else
            s += fmt::format("study_run {}\n", shell_join(command));
        counts.push_back(n);
    }
    s += fmt::format("study_gather {}\nengine_rc=0\nexit 0\n", shell_join(counts));
    return s;
}

Result<std::string> batch_script(const ClusterProfile& profile, const JobSpec& spec, std::string_view body) {
    auto head = script_head(profile, spec);
    if (!head) return propagate(head);
    return std::move(head->text) + "\nif [ \"$stop_requested\" = 1 ]; then exit 3; fi\n" + std::string(body);
}

std::string environment_script(const ClusterProfile& profile) {
    return environment_setup(profile);
}

std::string engine_check_script(const ClusterProfile& profile) {
    std::string s = "set -eu\n";
    s += environment_setup(profile);
    auto command = engine_words(profile);
    command.emplace_back("--version");
    s += shell_join(command) + "\n";
    return s;
}

} // namespace sluice::jobs
