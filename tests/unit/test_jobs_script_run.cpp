// shared/jobs job scripts, run for real under bash with stub `srun`, `mpiexec` and `module` on PATH:
// hostile values in every shell field arrive literally and run nothing, the engine's exit code reaches
// status.json and the scheduler, and USR1 is passed on to the engine with its exit code still collected;
// engine deploy's build job reports its script's status and output.
#include "common/h5_fixtures.hpp"
#include "jobs/engine_build_job.hpp"
#include "jobs/script.hpp"
#include "jobs/status_file.hpp"

#include <QProcess>
#include <QtTest>
#include <csignal>
#include <fstream>
#include <sstream>

using namespace sluice;
using namespace sluice::jobs;
namespace fs = std::filesystem;

namespace {

constexpr const char* launcher_stub = R"(#!/bin/bash
printf '%s\0' "$@" >"$STUB_LOG/launcher.argv"
env -0 >"$STUB_LOG/launcher.env"
if [ -n "${STUB_WAIT_USR1:-}" ]; then
    # USR1: say so, then "finish the block" until the test releases us.
    trap ': >"$STUB_LOG/launcher.usr1"; until [ -e "$STUB_LOG/launcher.release" ]; do sleep 0.05; done; exit 3' USR1
    : >"$STUB_LOG/launcher.started"
    while :; do sleep 0.05; done
fi
exit "${STUB_RC:-0}"
)";

constexpr const char* module_stub = R"(#!/bin/bash
{ printf '%s\0' "$@"; printf '\036'; } >>"$STUB_LOG/module.calls"
if [ -n "${STUB_MODULE_SIGNALS:-}" ]; then kill -USR1 "$PPID"; fi
exit "${STUB_MODULE_RC:-0}"
)";

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : line) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// Each payload would create <root>/pwned-<tag>-<n> if a shell ever evaluated it.
std::string payload(const fs::path& root, const std::string& tag) {
    const auto t = root.string() + "/pwned-" + tag;
    return "$(touch " + t + "-1) `touch " + t + "-2` '; touch " + t + "-3; ' \"; touch " + t +
           "-4; \" \ntouch " + t + "-5\n ${HOME} \xc3\x84rger \xc2\xb5m \xe6\x97\xa5\xe6\x9c\xac *";
}

struct Harness {
    test::TempDir root;
    fs::path bin = root / "bin";
    fs::path log = root / "log";

    Harness() {
        fs::create_directories(bin);
        fs::create_directories(log);
        for (const auto* name : {"srun", "mpiexec"})
            write_exe(bin / name, launcher_stub);
        write_exe(bin / "module", module_stub);
    }
    static void write_exe(const fs::path& p, const char* text) {
        std::ofstream(p) << text;
        fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    }
    // Starts `bash job.sh` in the root directory; the caller waits.
    void start(QProcess& bash, const std::string& script, const QStringList& env = {}) {
        const auto file = root / "job.sh";
        std::ofstream(file) << script;
        auto e = QProcessEnvironment::systemEnvironment();
        e.insert("PATH", QString::fromStdString(bin.string()) + ":" + e.value("PATH"));
        e.insert("STUB_LOG", QString::fromStdString(log.string()));
        for (const auto& kv : env)
            e.insert(kv.section('=', 0, 0), kv.section('=', 1));
        bash.setProcessEnvironment(e);
        bash.setWorkingDirectory(QString::fromStdString(root.path().string()));
        bash.start("bash", {QString::fromStdString(file.string())});
        QVERIFY(bash.waitForStarted());
    }
    int run(const std::string& script, const QStringList& env = {}) {
        QProcess bash;
        start(bash, script, env);
        bash.waitForFinished(60000);
        if (bash.exitStatus() != QProcess::NormalExit) return -1;
        return bash.exitCode();
    }
    std::vector<std::string> launcher_argv() const { return split(read_file(log / "launcher.argv"), '\0'); }
    std::optional<std::string> launcher_env(const std::string& name) const {
        for (const auto& kv : split(read_file(log / "launcher.env"), '\0'))
            if (kv.starts_with(name + "=")) return kv.substr(name.size() + 1);
        return std::nullopt;
    }
    std::vector<std::vector<std::string>> module_calls() const {
        std::vector<std::vector<std::string>> calls;
        for (const auto& rec : split(read_file(log / "module.calls"), '\036'))
            calls.push_back(split(rec, '\0'));
        return calls;
    }
    bool pwned() const {
        for (const auto& e : fs::directory_iterator(root.path()))
            if (e.path().filename().string().starts_with("pwned")) return true;
        return false;
    }
};

ClusterProfile profile_in(const fs::path& scratch, Scheduler scheduler) {
    ClusterProfile p;
    p.name = "test";
    p.scheduler = scheduler;
    p.host = "localhost";
    p.scratch_dir = scratch.string();
    p.resources.walltime = "01:00:00";
    p.resources.nodes = 1;
    p.resources.tasks_per_node = 2;
    p.engine = {EngineCommand::Kind::path, "sluice-engine"};
    return p;
}

JobSpec spec_for(const ClusterProfile& p) {
    auto spec = job_spec_from_profile(p, "job-7");
    spec.input = "in.h5";
    spec.dataset = "/Measurement_000/Channel_000/Raw_Data";
    return spec;
}

Result<JobStatusFile> status_in(const ClusterProfile& p, const JobSpec& spec) {
    return parse_status_file(read_file(fs::path(job_directory(p, spec.job_id)) / "status.json"));
}

} // namespace

class TestJobsScriptRun : public QObject {
    Q_OBJECT
private slots:
    void hostileShellValuesStayLiteral_data() {
        QTest::addColumn<int>("scheduler");
        QTest::addColumn<int>("engine_kind");
        for (int sch : {0, 1, 2})
            for (int kind : {0, 1, 2})
                QTest::addRow("scheduler %d engine %d", sch, kind) << sch << kind;
    }
    void hostileShellValuesStayLiteral() {
        QFETCH(int, scheduler);
        QFETCH(int, engine_kind);
        Harness h;
        const auto& root = h.root.path();
        auto p =
            profile_in(root.string() + "/scr " + payload(root, "scratch"), static_cast<Scheduler>(scheduler));
        p.modules = {"purge", "load " + payload(root, "module")};
        p.environment = {"SLUICE_TEST_VAR=" + payload(root, "env")};
        p.hdf5_file_locking = false;
        p.engine = {static_cast<EngineCommand::Kind>(engine_kind), payload(root, "engine")};
        auto spec = spec_for(p);
        spec.input = payload(root, "input");
        spec.dataset = payload(root, "dataset");
        spec.output = payload(root, "output");
        fs::create_directories(job_directory(p, spec.job_id));

        auto script = job_script(p, spec);
        QVERIFY(script.has_value());
        const int rc = h.run(*script);
        QVERIFY(!h.pwned());
        QCOMPARE(rc, 0);

        std::vector<std::string> expected;
        expected = p.scheduler == Scheduler::slurm ? std::vector<std::string>{"--mpi=pmix"}
                                                   : std::vector<std::string>{"-n", "2"};
        switch (p.engine.kind) {
        case EngineCommand::Kind::module:
            expected.push_back("sluice-engine");
            break;
        case EngineCommand::Kind::path:
            expected.push_back(p.engine.value);
            break;
        case EngineCommand::Kind::container:
            expected.insert(expected.end(), {"apptainer", "exec", p.engine.value, "sluice-engine"});
            break;
        }
        expected.insert(expected.end(),
                        {"filter", "--input", spec.input, "--dataset", spec.dataset, "--recipe",
                         "recipe.json", "--output", *spec.output, "--progress", "progress.json",
                         "--time-limit", p.scheduler == Scheduler::slurm ? "3180" : "3240"});
        QVERIFY(h.launcher_argv() == expected);
        QCOMPARE(h.launcher_env("SLUICE_TEST_VAR"), std::optional(payload(root, "env")));
        QCOMPARE(h.launcher_env("HDF5_USE_FILE_LOCKING"), std::optional<std::string>("FALSE"));

        std::vector<std::vector<std::string>> modules{{"purge"}, words("load " + payload(root, "module"))};
        if (p.engine.kind == EngineCommand::Kind::module) modules.push_back({"load", p.engine.value});
        QVERIFY(h.module_calls() == modules);

        auto status = status_in(p, spec); // written in the literal job directory
        QVERIFY2(status.has_value(), status ? "" : status.error().message.c_str());
        QCOMPARE(status->state, JobState::completed);
        QCOMPARE(status->exit_code, std::optional(0));
        QCOMPARE(status->engine_progress, std::string("progress.json"));
        QVERIFY(status->ended.has_value() && !status->started.empty());
    }
    void engineExitCodeReachesStatusAndScheduler_data() {
        QTest::addColumn<int>("rc");
        QTest::addColumn<int>("state");
        QTest::newRow("done") << 0 << int(JobState::completed);
        QTest::newRow("stopped, resumable") << 3 << int(JobState::stopped);
        QTest::newRow("refused") << 2 << int(JobState::failed);
        QTest::newRow("internal") << 1 << int(JobState::failed);
    }
    void engineExitCodeReachesStatusAndScheduler() {
        QFETCH(int, rc);
        QFETCH(int, state);
        Harness h;
        const auto p = profile_in(h.root / "scratch", Scheduler::slurm);
        const auto spec = spec_for(p);
        fs::create_directories(job_directory(p, spec.job_id));
        QCOMPARE(h.run(*job_script(p, spec), {QString("STUB_RC=%1").arg(rc)}), rc);
        auto status = status_in(p, spec);
        QVERIFY(status.has_value());
        QCOMPARE(int(status->state), state);
        QCOMPARE(status->exit_code, std::optional(rc));
    }
    void failureBeforeTheEngineLeavesFailedStatus() {
        Harness h;
        auto p = profile_in(h.root / "scratch", Scheduler::pbs);
        p.modules = {"load missing/1.0"};
        const auto spec = spec_for(p);
        fs::create_directories(job_directory(p, spec.job_id));
        QCOMPARE(h.run(*job_script(p, spec), {"STUB_MODULE_RC=1"}), 1); // set -e ends the script
        QVERIFY(!fs::exists(h.log / "launcher.argv"));
        auto status = status_in(p, spec);
        QVERIFY(status.has_value());
        QCOMPARE(status->state, JobState::failed);
        QVERIFY(!status->exit_code.has_value());
    }
    // A prologue that changes directory, options, traps and the script's own variables: the job still
    // runs the engine in its directory, and status.json still tells how it ended.
    void prologueRunsAndTheJobStaysIntact_data() {
        QTest::addColumn<int>("rc");
        QTest::newRow("engine done") << 0;
        QTest::newRow("engine failed") << 2;
    }
    void prologueRunsAndTheJobStaysIntact() {
        QFETCH(int, rc);
        Harness h;
        auto p = profile_in(h.root / "scratch", Scheduler::pbs);
        p.extra_directives = {"-l place=scatter"};
        p.prologue = {"module load site-env", "export FROM_PROLOGUE=\"it's $((6 * 7))\"",
                      "cd / && set +e +u +o pipefail", "trap - EXIT USR1 TERM; engine_rc=0",
                      "touch \"$STUB_LOG/prologue ran\"  # a comment"};
        const auto spec = spec_for(p);
        fs::create_directories(job_directory(p, spec.job_id));
        QCOMPARE(h.run(*job_script(p, spec), {QString("STUB_RC=%1").arg(rc)}), rc);
        QVERIFY(fs::exists(h.log / "prologue ran"));
        QCOMPARE(h.launcher_env("FROM_PROLOGUE"), std::optional<std::string>("it's 42"));
        QVERIFY(h.module_calls() == (std::vector<std::vector<std::string>>{{"load", "site-env"}}));
        auto status = status_in(p, spec); // in the job directory, after the prologue's cd
        QVERIFY(status.has_value());
        QCOMPARE(int(status->state), int(rc == 0 ? JobState::completed : JobState::failed));
        QCOMPARE(status->exit_code, std::optional(rc));
    }
    void failingPrologueLineFailsTheJobBeforeTheEngine() {
        for (const auto& line : {std::string("false"), std::string("if true; then")}) {
            Harness h;
            auto p = profile_in(h.root / "scratch", Scheduler::slurm);
            p.prologue = {line, "touch \"$STUB_LOG/after\""};
            const auto spec = spec_for(p);
            fs::create_directories(job_directory(p, spec.job_id));
            QVERIFY(h.run(*job_script(p, spec)) != 0);
            QVERIFY(!fs::exists(h.log / "after"));
            QVERIFY(!fs::exists(h.log / "launcher.argv"));
            auto status = status_in(p, spec);
            QVERIFY(status.has_value());
            QCOMPARE(status->state, JobState::failed);
        }
    }
    void stopBeforeTheEngineStartsDoesNotStartIt() {
        Harness h;
        auto p = profile_in(h.root / "scratch", Scheduler::slurm);
        p.modules = {"load hdf5"}; // the stub signals the script, as Slurm would during set-up
        const auto spec = spec_for(p);
        fs::create_directories(job_directory(p, spec.job_id));
        QCOMPARE(h.run(*job_script(p, spec), {"STUB_MODULE_SIGNALS=1"}), 3);
        QVERIFY(!fs::exists(h.log / "launcher.argv"));
        auto status = status_in(p, spec);
        QVERIFY(status.has_value());
        QCOMPARE(status->state, JobState::stopped);
        QVERIFY(!status->exit_code.has_value());
    }
    void usr1ReachesTheEngineAndItsExitCodeIsCollected() {
        Harness h;
        const auto p = profile_in(h.root / "scratch", Scheduler::slurm);
        const auto spec = spec_for(p);
        fs::create_directories(job_directory(p, spec.job_id));
        QProcess bash;
        h.start(bash, *job_script(p, spec), {"STUB_WAIT_USR1=1"});
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(h.log / "launcher.started"), 20000);
        auto status = status_in(p, spec);
        QVERIFY(status.has_value());
        QCOMPARE(status->state, JobState::running);
        QVERIFY(!status->ended.has_value());
        // What Slurm does before the walltime, then a late scancel: the second signal must not cut the
        // second wait short while the engine finishes its block.
        // The PID is taken once: processId() is 0 once QProcess has seen the script end, and kill(0)
        // would signal this test's whole process group (ctest and whatever started it).
        const auto pid = static_cast<pid_t>(bash.processId());
        QVERIFY(pid > 0);
        ::kill(pid, SIGUSR1);
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(h.log / "launcher.usr1"), 20000);
        ::kill(pid, SIGTERM);
        QVERIFY(!bash.waitForFinished(300)); // still waiting for the engine, which has not finished
        std::ofstream(h.log / "launcher.release").flush();
        QVERIFY(bash.waitForFinished(20000));
        QCOMPARE(bash.exitStatus(), QProcess::NormalExit);
        QCOMPARE(bash.exitCode(), 3);
        status = status_in(p, spec);
        QVERIFY(status.has_value());
        QCOMPARE(status->state, JobState::stopped);
        QCOMPARE(status->exit_code, std::optional(3));
    }
    // engine deploy's build job (engine_build_job.hpp): its script's status, output and arguments.
    void buildJobReportsItsScriptsStatusAndOutput_data() {
        QTest::addColumn<int>("scheduler");
        QTest::newRow("slurm") << int(Scheduler::slurm);
        QTest::newRow("pbs") << int(Scheduler::pbs);
    }
    void buildJobReportsItsScriptsStatusAndOutput() {
        QFETCH(int, scheduler);
        Harness h;
        const auto p = profile_in(h.root / "scratch", static_cast<Scheduler>(scheduler));
        BuildJob job;
        job.job_id = "engine-build-1_2_3";
        job.cpus = 3;
        job.minutes = 45;
        // The first failing command ends the build (its own set -e), not what follows it.
        job.script = "printf '%s|%s\\n' \"$1\" \"$2\"\necho 'no MPI: load openmpi' >&2\n"
                     "test \"$3\" = fail && exit 7\necho built\n";
        const auto dir = fs::path(job_directory(p, job.job_id));
        const auto run = [&](const std::string& last) {
            job.args = {h.root.path().string() + "/build " + payload(h.root.path(), "arg"), "/pre fix", last};
            auto script = build_job_script(p, job);
            if (!script) return -100;
            fs::create_directories(dir);
            return h.run(*script);
        };
        QCOMPARE(run("ok"), 0);
        const auto out = read_file(dir / "build.out");
        QCOMPARE(out,
                 h.root.path().string() + "/build " + payload(h.root.path(), "arg") + "|/pre fix\nbuilt\n");
        QCOMPARE(read_file(dir / "build.err"), std::string("no MPI: load openmpi\n"));
        auto status = parse_status_file(read_file(dir / "status.json"));
        QVERIFY(status.has_value());
        QCOMPARE(status->state, JobState::completed);

        QCOMPARE(run("fail"), 7);
        status = parse_status_file(read_file(dir / "status.json"));
        QVERIFY(status.has_value());
        QCOMPARE(status->state, JobState::failed);
        QCOMPARE(status->exit_code, std::optional(7));
        QVERIFY(read_file(dir / "build.out").find("built") == std::string::npos);
        for (const auto& e : fs::directory_iterator(h.root.path()))
            QVERIFY2(e.path().filename().string().rfind("pwned", 0) != 0, e.path().c_str());
        // One node with the build's cores and its time limit as walltime.
        const auto script = *build_job_script(p, job);
        if (scheduler == int(Scheduler::slurm)) {
            QVERIFY(script.find("#SBATCH --nodes=1\n") != std::string::npos);
            QVERIFY(script.find("#SBATCH --ntasks-per-node=3\n") != std::string::npos);
            QVERIFY(script.find("#SBATCH --time=00:45:00\n") != std::string::npos);
        } else {
            QVERIFY2(script.find("-l walltime=00:45:00") != std::string::npos, script.c_str());
            QVERIFY2(script.find("ncpus=3") != std::string::npos, script.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestJobsScriptRun)
#include "test_jobs_script_run.moc"
