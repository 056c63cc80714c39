// Job scripts and scaling-study scripts (shared/jobs/script.cpp) from fuzzed profiles and job specs. Whenever
// job_script accepts the fields, the script must pass `bash -n`, and running it under bash with stub
// launchers (srun, mpiexec, mpirun, module, apptainer, sluice-engine on PATH) must run no injected command
// (the stub `pwn` marks one), hand the engine's words to the launcher literally, and leave a valid, final
// status.json that agrees with the launcher's exit code.
//
// Input: fields separated by 0x1E, lists inside a field by 0x1F, in the order of `Field` below. A field
// that is optional (output, source_sha256) is set when it starts with '='; an output field of exactly
// "study" makes a scaling study's script (study_script) instead.
#include "jobs/profile.hpp"
#include "jobs/script.hpp"
#include "jobs/status_file.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace sluice;
using namespace sluice::jobs;

namespace {

enum Field {
    scheduler,
    scratch,
    modules,
    environment,
    engine_kind,
    engine_value,
    file_locking,
    srun_mpi,
    job_id,
    input,
    dataset,
    output,
    source_sha256,
    block_rows,
    account,
    partition,
    qos,
    nodes,
    tasks_per_node,
    walltime,
    memory,
    launcher_rc,
    field_count
};

fs::path base; // mkdtemp'd; bin/ holds the stubs
fs::path work; // base/work: scratch and logs, new for every input

constexpr const char* launcher_stub = R"(#!/bin/bash
printf '%s\0' "$@" >"$STUB_LOG/launcher.argv"
env -0 >"$STUB_LOG/launcher.env"
exit "${STUB_RC:-0}"
)";
constexpr const char* module_stub = "#!/bin/bash\nexit 0\n";
constexpr const char* pwn_stub = "#!/bin/bash\n: >\"$STUB_LOG/pwned\"\n";

void write_exe(const fs::path& p, const char* text) {
    std::ofstream(p) << text;
    fs::permissions(p, fs::perms::owner_all);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            out.emplace_back(s.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

int number(std::string_view s, int fallback) {
    int v = fallback;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::optional<std::string> optional_field(const std::string& s) {
    if (s.empty() || s.front() != '=') return std::nullopt;
    return s.substr(1);
}

// Runs bash with `args`; abort()s if it does not end within a minute (a hang is a finding too).
int run_bash(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    std::vector<char*> argv{const_cast<char*>("bash")};
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
        if (chdir(work.c_str()) != 0) _exit(126);
        execve("/bin/bash", argv.data(), envp.data());
        _exit(127);
    }
    int status = 0;
    for (int waited_ms = 0; waitpid(pid, &status, WNOHANG) == 0; waited_ms += 5) {
        if (waited_ms > 60'000) {
            kill(pid, SIGKILL);
            std::fprintf(stderr, "job script still running after 60 s\n");
            std::abort();
        }
        usleep(5000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

[[noreturn]] void finding(const char* what, const std::string& script) {
    std::fprintf(stderr, "FINDING: %s\n--- job.sh ---\n%s\n--- end ---\n", what, script.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::string dir = (fs::temp_directory_path() / "sluice-fuzz-script.XXXXXX").string();
    if (!mkdtemp(dir.data())) std::abort();
    base = dir;
    work = base / "work";
    fs::create_directories(base / "bin");
    for (const auto* name : {"srun", "mpiexec", "mpirun", "apptainer", "sluice-engine"})
        write_exe(base / "bin" / name, launcher_stub);
    write_exe(base / "bin" / "module", module_stub);
    write_exe(base / "bin" / "pwn", pwn_stub);
    std::atexit([] {
        std::error_code ec;
        fs::remove_all(base, ec);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto f = split(std::string_view(reinterpret_cast<const char*>(data), size), '\x1e');
    f.resize(field_count);

    ClusterProfile p;
    p.name = "fuzz";
    p.host = "cluster";
    p.scheduler = f[scheduler] == "pbs"      ? Scheduler::pbs
                  : f[scheduler] == "torque" ? Scheduler::torque
                                             : Scheduler::slurm;
    // The scratch directory lies under work/ whatever the input says, so that it can be created.
    std::string suffix = f[scratch];
    if (suffix.find("..") != std::string::npos) return 0;
    p.scratch_dir = (work / "scratch").string() + "/" + suffix;
    if (!f[modules].empty()) p.modules = split(f[modules], '\x1f');
    if (!f[environment].empty()) p.environment = split(f[environment], '\x1f');
    for (const auto& e : p.environment)
        if (e.starts_with("STUB_")) return 0; // the stubs' own settings (the harness, not the product)
    p.engine.kind = f[engine_kind] == "module"      ? EngineCommand::Kind::module
                    : f[engine_kind] == "container" ? EngineCommand::Kind::container
                                                    : EngineCommand::Kind::path;
    p.engine.value = f[engine_value];
    p.hdf5_file_locking = f[file_locking] != "0";
    if (!f[srun_mpi].empty()) p.srun_mpi = f[srun_mpi];

    JobSpec spec;
    spec.job_id = f[job_id];
    spec.input = f[input];
    spec.dataset = f[dataset];
    spec.output = optional_field(f[output]);
    spec.source_sha256 = optional_field(f[source_sha256]);
    if (!f[block_rows].empty()) spec.block_rows = number(f[block_rows], 0);
    spec.resources = {f[account],
                      f[partition],
                      f[qos],
                      number(f[nodes], 1),
                      number(f[tasks_per_node], 1),
                      f[walltime].empty() ? "01:00:00" : f[walltime],
                      f[memory]};
    const int rc = std::clamp(number(f[launcher_rc], 0), 0, 255);

    // "study" as the output field (no '=': no output): a scaling study's script instead, whose runs
    // stop at the first one (the stub writes no --stats), which is enough to check what reaches bash.
    const bool study = f[output] == "study";
    StudySpec runs;
    runs.ranks = {1};
    if (spec.resources.nodes * spec.resources.tasks_per_node > 1)
        runs.ranks.push_back(spec.resources.nodes * spec.resources.tasks_per_node);
    runs.sample_rows = 16;
    runs.dataset_rows = 64;
    runs.points = 8;
    auto script = study ? study_script(p, spec, runs) : job_script(p, spec);
    if (!script) {
        if (script.error().message.empty()) std::abort();
        return 0;
    }

    std::error_code ec;
    fs::remove_all(work, ec);
    const fs::path log = work / "log";
    const fs::path job_dir = job_directory(p, spec.job_id);
    fs::create_directories(log);
    fs::create_directories(job_dir, ec);
    if (ec) return 0; // a scratch name the file system refuses (too long): nothing to run
    const fs::path file = job_dir / std::string(job_script_file);
    std::ofstream(file, std::ios::binary) << *script;

    const std::vector<std::string> env{"PATH=" + (base / "bin").string() + ":/usr/bin:/bin",
                                       "HOME=" + work.string(), "STUB_LOG=" + log.string(),
                                       "STUB_RC=" + std::to_string(rc), "LC_ALL=C"};
    if (run_bash({"-n", file.string()}, env) != 0) finding("bash -n refuses the script", *script);
    (void)run_bash({file.string()}, env);

    if (fs::exists(log / "pwned")) finding("an injected command ran", *script);
    auto status = parse_status_file(read_file(job_dir / std::string(status_file)));
    if (!status) finding(("status.json: " + status.error().message).c_str(), *script);
    if (status->state == JobState::running) finding("status.json still says running", *script);

    if (!fs::exists(log / "launcher.argv")) {
        // Something in the profile kept the engine from starting (a read-only bash variable such as
        // SHELLOPTS): a failure, never a stop or a success nobody asked for.
        if (status->state != JobState::failed)
            finding("the engine never ran, yet status.json is not failed", *script);
        return 0;
    }
    const auto argv = split(read_file(log / "launcher.argv"), '\0');
    const auto literal = [&](const std::string& word) {
        return std::find(argv.begin(), argv.end(), word) != argv.end();
    };
    if (!literal(spec.input) || !literal(spec.dataset) || (!study && spec.output && !literal(*spec.output)) ||
        (p.engine.kind != EngineCommand::Kind::module && !literal(p.engine.value)))
        finding("the engine's words did not reach the launcher literally", *script);
    if (study) return 0; // no stats from the stub: the study ends after its first run
    const JobState expected = rc == 0 ? JobState::completed : rc == 3 ? JobState::stopped : JobState::failed;
    if (status->state != expected || status->exit_code != rc)
        finding("status.json does not match the engine's exit code", *script);
    return 0;
}
