// Scaling-study job scripts (shared/jobs/script.hpp study_script), run for real under bash with stub
// launchers (srun, mpiexec, mpirun) and a stub engine on PATH: one engine run per rank count with its
// launcher, --rows, --stats and the time left; hostile values arrive literally; scratch results are
// removed; scaling.json gathers the runs; a failed run ends the study with its exit code; a stop ends
// the current run and starts no other.
#include "common/h5_fixtures.hpp"
#include "jobs/local_profile.hpp"
#include "jobs/scaling.hpp"
#include "jobs/script.hpp"
#include "jobs/status_file.hpp"

#include <QProcess>
#include <QtTest>
#include <csignal>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace sluice;
using namespace sluice::jobs;
namespace fs = std::filesystem;

namespace {

// Records its own name and words, then runs the engine's words (exec: signals reach the engine).
constexpr const char* launcher_stub = R"(#!/bin/bash
{ printf '%s\0' "${0##*/}" "$@"; printf '\036'; } >>"$STUB_LOG/launchers"
while [ $# -gt 0 ] && [ "$1" != "$STUB_ENGINE" ]; do shift; done
exec "$@"
)";

// Records each call's words, creates its --output and writes its --stats like the engine (one rank).
constexpr const char* engine_stub = R"(#!/bin/bash
n=$(($(cat "$STUB_LOG/calls" 2>/dev/null || echo 0) + 1))
echo "$n" >"$STUB_LOG/calls"
printf '%s\0' "$@" >"$STUB_LOG/engine-$n.argv"
out= stats=
while [ $# -gt 0 ]; do
    case $1 in
    --output) out=$2; shift ;;
    --stats) stats=$2; shift ;;
    esac
    shift
done
if [ -n "$out" ]; then : >"$out"; fi
if [ "${STUB_WAIT_AT:-}" = "$n" ]; then
    trap ': >"$STUB_LOG/usr1"; exit 3' USR1
    : >"$STUB_LOG/started"
    while :; do sleep 0.05; done
fi
if [ "${STUB_FAIL_AT:-}" = "$n" ]; then exit "${STUB_FAIL_RC:-2}"; fi
printf '{"total": {"rows": 100}, "ranks": [{"wall_s": 0.5, "phases_s": {"startup_mpi": 0.1, "finish": 0.05}}]}\n' >"$stats"
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

// Each payload would create <root>/pwned-<tag>-<n> if a shell ever evaluated it.
std::string payload(const fs::path& root, const std::string& tag) {
    const auto t = root.string() + "/pwned-" + tag;
    return "$(touch " + t + "-1) `touch " + t + "-2` '; touch " + t + "-3; ' \"; touch " + t +
           "-4; \" \ntouch " + t + "-5\n ${HOME} \xc3\x84rger *";
}

bool contains(const std::vector<std::string>& words, const std::vector<std::string>& part) {
    return std::search(words.begin(), words.end(), part.begin(), part.end()) != words.end();
}

} // namespace

class TestStudyScriptRun : public QObject {
    Q_OBJECT
    test::TempDir root_;
    fs::path bin_ = root_ / "bin";
    fs::path log_;
    fs::path engine_ = bin_ / "fake-engine";

    static void write_exe(const fs::path& p, const char* text) {
        std::ofstream(p) << text;
        fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    }

    ClusterProfile profile(Scheduler scheduler, const std::string& scratch_tail = "scr") {
        ClusterProfile p;
        p.name = "test";
        p.scheduler = scheduler;
        p.host = "localhost";
        p.scratch_dir = (root_ / scratch_tail).string();
        p.resources.walltime = scheduler == Scheduler::local ? "" : "01:00:00";
        p.resources.nodes = 2;
        p.resources.tasks_per_node = 2;
        p.engine = {EngineCommand::Kind::path, engine_.string()};
        return p;
    }

    JobSpec spec(const ClusterProfile& p) {
        auto s = job_spec_from_profile(p, "job-7");
        s.input = "in.h5";
        s.dataset = "/Measurement_000/Channel_000/Raw_Data";
        fs::create_directories(job_directory(p, s.job_id));
        return s;
    }

    static StudySpec study(std::vector<int> ranks) {
        StudySpec s;
        s.ranks = std::move(ranks);
        s.sample_rows = 100;
        s.dataset_rows = 1000;
        s.points = 64;
        return s;
    }

    // A fresh log directory per run; returns bash's exit code (-1: it crashed).
    int run(QProcess& bash, const std::string& script, const fs::path& dir, const QStringList& env = {},
            bool wait = true) {
        log_ = root_ / ("log-" + std::to_string(++runs_));
        fs::create_directories(log_);
        std::ofstream(dir / "job.sh") << script;
        auto e = QProcessEnvironment::systemEnvironment();
        e.insert("STUB_LOG", QString::fromStdString(log_.string()));
        e.insert("STUB_ENGINE", QString::fromStdString(engine_.string()));
        for (const auto& kv : env)
            e.insert(kv.section('=', 0, 0), kv.section('=', 1));
        bash.setProcessEnvironment(e);
        bash.start("bash", {QString::fromStdString((dir / "job.sh").string())});
        if (!bash.waitForStarted()) return -1;
        if (!wait) return 0;
        bash.waitForFinished(60000);
        return bash.exitStatus() == QProcess::NormalExit ? bash.exitCode() : -1;
    }
    int runs_ = 0;

    int engine_calls() const { return std::atoi(read_file(log_ / "calls").c_str()); }
    std::vector<std::string> engine_argv(int n) const {
        return split(read_file(log_ / ("engine-" + std::to_string(n) + ".argv")), '\0');
    }
    std::vector<std::vector<std::string>> launchers() const {
        std::vector<std::vector<std::string>> out;
        for (const auto& rec : split(read_file(log_ / "launchers"), '\036'))
            out.push_back(split(rec, '\0'));
        return out;
    }
    bool pwned() const {
        for (const auto& e : fs::directory_iterator(root_.path()))
            if (e.path().filename().string().starts_with("pwned")) return true;
        return false;
    }

private slots:
    void initTestCase() {
        fs::create_directories(bin_);
        for (const auto* name : {"srun", "mpiexec", "mpirun"})
            write_exe(bin_ / name, launcher_stub);
        write_exe(engine_, engine_stub);
        // The stub mpirun is the one this computer's studies find (and may run as root).
        qputenv("PATH", QByteArray(bin_.c_str()) + ":" + qgetenv("PATH"));
        qputenv("OMPI_ALLOW_RUN_AS_ROOT", "1");
        qputenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    }

    void eachRankCountRunsOnceWithHostileValuesLiteral_data() {
        QTest::addColumn<int>("scheduler");
        QTest::newRow("slurm") << int(Scheduler::slurm);
        QTest::newRow("pbs") << int(Scheduler::pbs);
        QTest::newRow("torque") << int(Scheduler::torque);
        QTest::newRow("local") << int(Scheduler::local);
    }
    void eachRankCountRunsOnceWithHostileValuesLiteral() {
        QFETCH(int, scheduler);
        const auto sch = static_cast<Scheduler>(scheduler);
        auto p = profile(sch, "scr " + payload(root_.path(), "scratch"));
        p.modules.clear();
        p.environment = {"SLUICE_TEST_VAR=" + payload(root_.path(), "env")};
        auto s = spec(p);
        s.input = payload(root_.path(), "input");
        s.dataset = payload(root_.path(), "dataset");
        s.source_sha256 = std::string(64, 'a');
        const auto dir = fs::path(job_directory(p, s.job_id));
        auto script = study_script(p, s, study({1, 2, 4}));
        QVERIFY2(script, script ? "" : script.error().message.c_str());
        QProcess bash;
        QCOMPARE(run(bash, *script, dir), 0);
        QVERIFY(!pwned());
        QCOMPARE(engine_calls(), 3);

        for (int i = 1; i <= 3; ++i) {
            const int ranks = 1 << (i - 1);
            const auto r = std::to_string(ranks);
            const auto argv = engine_argv(i);
            QVERIFY(contains(argv, {"filter", "--input", s.input, "--dataset", s.dataset}));
            QVERIFY(contains(argv, {"--output", "scaling-" + r + ".h5", "--rows", "0:100", "--stats",
                                    "stats-" + r + ".json"}));
            QVERIFY(contains(argv, {"--source-sha256", *s.source_sha256}));
            // Clusters: the time left before the job's own stop (3180 s on Slurm, 3240 s on PBS at most).
            const auto limit = std::ranges::find(argv, "--time-limit");
            QCOMPARE(limit != argv.end(), sch != Scheduler::local);
            if (limit != argv.end()) {
                const int left = std::stoi(*(limit + 1));
                QVERIFY(left > 3000 && left <= (sch == Scheduler::slurm ? 3180 : 3240));
            }
        }
        const auto l = launchers();
        switch (sch) {
        case Scheduler::slurm:
            QCOMPARE(l.size(), std::size_t(3));
            QVERIFY(contains(l[0], {"srun", "--mpi=pmix", "--nodes=1", "--ntasks=1", engine_.string()}));
            QVERIFY(contains(l[1], {"srun", "--mpi=pmix", "--nodes=1", "--ntasks=2"}));
            QVERIFY(contains(l[2], {"srun", "--mpi=pmix", "--nodes=2", "--ntasks=4"}));
            break;
        case Scheduler::pbs:
        case Scheduler::torque:
            QCOMPARE(l.size(), std::size_t(3));
            QVERIFY(contains(l[2], {"mpiexec", "-n", "4", engine_.string()}));
            break;
        default: // one rank runs the engine alone
            QCOMPARE(l.size(), std::size_t(2));
            QVERIFY(contains(l[0], {"mpirun", "-np", "2", engine_.string()}));
            QVERIFY(contains(l[1], {"mpirun", "-np", "4", engine_.string()}));
        }

        for (const auto& e : fs::directory_iterator(dir))
            QVERIFY2(!e.path().filename().string().ends_with(".h5"), e.path().c_str()); // scratch removed
        auto parsed = parse_scaling_json(read_file(dir / "scaling.json"));
        QVERIFY2(parsed, parsed ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->runs.size(), std::size_t(3));
        QCOMPARE(parsed->runs[2].ranks, 4);
        QCOMPARE(parsed->dataset_rows, std::int64_t(1000));
        QCOMPARE(parsed->points, std::int64_t(64));
        QVERIFY(parsed->runs[0].wall_s > 0);
        auto progress = parse_engine_progress(read_file(dir / "progress.json"));
        QVERIFY(progress);
        QCOMPARE(progress->state, std::string("done"));
        QCOMPARE(progress->rows_done, std::int64_t(300));
        QCOMPARE(progress->rows_total, std::int64_t(300));
        auto status = parse_status_file(read_file(dir / "status.json"));
        QVERIFY(status);
        QCOMPARE(status->state, JobState::completed);
        QCOMPARE(status->exit_code, std::optional(0));
    }

    void failedRunEndsTheStudyWithItsExitCode() {
        const auto p = profile(Scheduler::slurm);
        const auto s = spec(p);
        const auto dir = fs::path(job_directory(p, s.job_id));
        fs::remove(dir / "scaling.json");
        QProcess bash;
        QCOMPARE(run(bash, *study_script(p, s, study({1, 2, 4})), dir, {"STUB_FAIL_AT=2", "STUB_FAIL_RC=2"}),
                 2);
        QCOMPARE(engine_calls(), 2); // 4 ranks never started
        QVERIFY(!fs::exists(dir / "scaling.json"));
        QVERIFY(!fs::exists(dir / "scaling-2.h5"));
        auto status = parse_status_file(read_file(dir / "status.json"));
        QVERIFY(status);
        QCOMPARE(status->state, JobState::failed);
        QCOMPARE(status->exit_code, std::optional(2));
        QCOMPARE(parse_engine_progress(read_file(dir / "progress.json")).value().rows_done,
                 std::int64_t(100));
    }

    void stopEndsTheCurrentRunAndStartsNoOther() {
        const auto p = profile(Scheduler::pbs);
        const auto s = spec(p);
        const auto dir = fs::path(job_directory(p, s.job_id));
        QProcess bash;
        QCOMPARE(run(bash, *study_script(p, s, study({1, 2})), dir, {"STUB_WAIT_AT=1"}, false), 0);
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(log_ / "started"), 20000);
        const auto pid = static_cast<pid_t>(bash.processId());
        QVERIFY(pid > 0);
        ::kill(pid, SIGUSR1);
        QVERIFY(bash.waitForFinished(20000));
        QCOMPARE(bash.exitCode(), 3);
        QVERIFY(fs::exists(log_ / "usr1")); // passed on to the run
        QCOMPARE(engine_calls(), 1);
        QVERIFY(!fs::exists(dir / "scaling-1.h5"));
        auto status = parse_status_file(read_file(dir / "status.json"));
        QVERIFY(status);
        QCOMPARE(status->state, JobState::stopped);
        QCOMPARE(status->exit_code, std::optional(3));
    }

    void studiesThatCannotRunAreRefused() {
        const auto p = profile(Scheduler::slurm);
        const auto s = spec(p);
        for (const auto& ranks : std::vector<std::vector<int>>{{}, {2, 1}, {1, 1}, {0, 2}, {1, 8}})
            QCOMPARE(study_script(p, s, study(ranks)).error().kind, ErrorKind::bad_input);
        auto big = study({1, 2});
        big.sample_rows = 2000; // more than the dataset's 1000
        QVERIFY(!study_script(p, s, big));
        big.sample_rows = 0;
        QVERIFY(!study_script(p, s, big));
        QVERIFY(is_reserved_variable("study_pid")); // the study's own variables are not the profile's
    }
};

QTEST_GUILESS_MAIN(TestStudyScriptRun)
#include "test_study_script_run.moc"
