// A profile's script additions (shared/jobs/script_additions.hpp): which extra directives each scheduler
// accepts and which it refuses (with the field to use instead), prologue lines, where both land in job
// and study scripts, that `bash -n` still parses them, and that profiles.json keeps them. Running a job
// with additions is test_jobs_script_run.cpp.
#include "common/h5_fixtures.hpp"
#include "jobs/profiles_file.hpp"
#include "jobs/script.hpp"
#include "jobs/script_additions.hpp"

#include <QProcess>
#include <QtTest>
#include <fstream>

using namespace sluice;
using namespace sluice::jobs;

namespace {

ClusterProfile profile(Scheduler scheduler) {
    ClusterProfile p;
    p.name = "hpc";
    p.scheduler = scheduler;
    p.host = "login.example.org";
    p.scratch_dir = "/scratch/alice";
    p.resources.walltime = "01:00:00";
    return p;
}

JobSpec spec_for(const ClusterProfile& p) {
    auto spec = job_spec_from_profile(p, "job-1");
    spec.input = "in.h5";
    spec.dataset = "/Measurement_000/Channel_000/Raw_Data";
    return spec;
}

bool bash_parses(const std::string& script, QString* err) {
    test::TempDir dir;
    std::ofstream(dir / "job.sh") << script;
    QProcess bash;
    bash.start("bash", {"-n", QString::fromStdString((dir / "job.sh").string())});
    bash.waitForFinished(30000);
    *err = QString::fromUtf8(bash.readAllStandardError());
    return bash.exitStatus() == QProcess::NormalExit && bash.exitCode() == 0;
}

QString message(const Status& st) {
    return st ? QString() : QString::fromStdString(st.error().message);
}

} // namespace

class TestJobsScriptAdditions : public QObject {
    Q_OBJECT
private slots:
    void acceptedDirectives_data() {
        QTest::addColumn<int>("scheduler");
        QTest::addColumn<QString>("directive");
        QTest::newRow("slurm constraint") << 0 << "--constraint=haswell&ib";
        QTest::newRow("slurm gres") << 0 << "--gres=gpu:a100:2";
        QTest::newRow("slurm exclusive flag") << 0 << "--exclusive";
        QTest::newRow("slurm mail") << 0 << "--mail-user=alice@example.org";
        QTest::newRow("pbs place") << 1 << "-l place=scatter:excl";
        QTest::newRow("pbs project") << 1 << "-P proj-42";
        QTest::newRow("pbs group") << 1 << "-W group_list=physics";
        QTest::newRow("torque feature") << 2 << "-l feature=ib";
        QTest::newRow("torque mail") << 2 << "-m abe";
    }
    void acceptedDirectives() {
        QFETCH(int, scheduler);
        QFETCH(QString, directive);
        const auto st = check_extra_directive(static_cast<Scheduler>(scheduler), directive.toStdString());
        QVERIFY2(st.has_value(), qPrintable(message(st)));
    }

    void refusedDirectives_data() {
        QTest::addColumn<int>("scheduler");
        QTest::addColumn<QString>("directive");
        QTest::addColumn<QString>("says");
        QTest::newRow("slurm prefix kept") << 0 << "#SBATCH --exclusive"
                                           << "without #SBATCH";
        QTest::newRow("slurm time") << 0 << "--time=10:00:00"
                                    << "Walltime";
        QTest::newRow("slurm account") << 0 << "--account=x"
                                       << "Account";
        QTest::newRow("slurm output") << 0 << "--output=/etc/x"
                                      << "output";
        QTest::newRow("slurm unknown") << 0 << "--uid=0"
                                       << "not an sbatch option";
        QTest::newRow("slurm wrap") << 0 << "--wrap=rm"
                                    << "not an sbatch option";
        QTest::newRow("slurm shell") << 0 << "--comment=$(id)"
                                     << "only have";
        QTest::newRow("slurm space") << 0 << "--comment=a b"
                                     << "only have";
        QTest::newRow("slurm newline") << 0 << "--comment=a\n#SBATCH --uid=0"
                                       << "only have";
        QTest::newRow("slurm no value") << 0 << "--constraint"
                                        << "needs a value";
        QTest::newRow("slurm empty value") << 0 << "--constraint="
                                           << "needs a value";
        QTest::newRow("pbs select") << 1 << "-l select=4:ncpus=8"
                                    << "Nodes";
        QTest::newRow("pbs walltime") << 1 << "-l walltime=1:00:00"
                                      << "Walltime";
        QTest::newRow("pbs queue") << 1 << "-q long"
                                   << "Partition";
        QTest::newRow("pbs output") << 1 << "-o /tmp/x"
                                    << "output";
        QTest::newRow("pbs environment") << 1 << "-v X=1"
                                         << "not a qsub option Sluice passes on";
        QTest::newRow("pbs depend") << 1 << "-W depend=afterok:1"
                                    << "group_list";
        QTest::newRow("pbs glob") << 1 << "-l place=*"
                                  << "only have";
        QTest::newRow("pbs ampersand") << 1 << "-M a&b"
                                       << "only have";
        QTest::newRow("pbs two spaces") << 1 << "-l  place=scatter"
                                        << "not resource=value";
        QTest::newRow("pbs slurm style") << 1 << "--constraint=x"
                                         << "not a qsub option";
        QTest::newRow("torque nodes") << 2 << "-l nodes=2:ppn=4"
                                      << "Sluice sets it";
        QTest::newRow("torque mem") << 2 << "-l mem=4gb"
                                    << "Memory";
        QTest::newRow("torque qos") << 2 << "-l qos=high"
                                    << "Sluice sets it";
        QTest::newRow("too long") << 0 << "--comment=" + QString(300, 'a') << "longer than";
    }
    void refusedDirectives() {
        QFETCH(int, scheduler);
        QFETCH(QString, directive);
        QFETCH(QString, says);
        const auto st = check_extra_directive(static_cast<Scheduler>(scheduler), directive.toStdString());
        QVERIFY(!st);
        QVERIFY2(message(st).contains(says), qPrintable(message(st)));
    }

    void prologueLines() {
        for (const char* ok : {"module load cray-hdf5-parallel", "source /opt/site/env.sh", "if true; then",
                               "echo 'unbalanced", "cat <<EOF", "\tulimit -s unlimited"})
            QVERIFY2(check_prologue_line(ok).has_value(), ok);
        QVERIFY(!check_prologue_line("   "));
        QVERIFY(!check_prologue_line("a\nb"));
        QVERIFY(!check_prologue_line("a\rb"));
        QVERIFY(!check_prologue_line(std::string("a\0b", 3)));
        QVERIFY(!check_prologue_line("a\x1b[2Jb"));
        QVERIFY(!check_prologue_line(std::string(2000, 'x')));
    }

    void profileValidationNamesTheEntry() {
        auto p = profile(Scheduler::slurm);
        p.extra_directives = {"--exclusive", "--time=1:00:00"};
        auto st = validate_profile(p);
        QVERIFY(!st);
        QVERIFY2(message(st).contains("extra_directives[1]"), qPrintable(message(st)));
        p.extra_directives = {"--exclusive"};
        p.prologue = {"module load x", ""};
        st = validate_profile(p);
        QVERIFY2(message(st).contains("prologue[1]"), qPrintable(message(st)));
        p.prologue = {"module load x", "\xff\xfe"};
        QVERIFY(!validate_profile(p));
        p.prologue = std::vector<std::string>(max_script_additions + 1, "true");
        QVERIFY(!validate_profile(p));
        // A profile moved to another scheduler keeps no directive of the old one.
        p.prologue.clear();
        p.scheduler = Scheduler::pbs;
        QVERIFY(!validate_profile(p));
    }

    void additionsLandInEveryScript_data() {
        QTest::addColumn<int>("scheduler");
        QTest::newRow("slurm") << 0;
        QTest::newRow("pbs") << 1;
        QTest::newRow("torque") << 2;
    }
    void additionsLandInEveryScript() {
        QFETCH(int, scheduler);
        auto p = profile(static_cast<Scheduler>(scheduler));
        const bool slurm = p.scheduler == Scheduler::slurm;
        p.extra_directives = {slurm ? "--constraint=haswell" : "-l place=scatter",
                              slurm ? "--mail-type=END" : "-m ae"};
        p.prologue = {"module load cray-hdf5-parallel", "if true; then", "echo \"it's $HOME\" '$(id)'"};
        const auto spec = spec_for(p);
        StudySpec study{{1, 2}, 0, 4, 16, 8};
        p.resources.tasks_per_node = 2;
        for (const auto& script : {job_script(p, spec), study_script(p, spec_for(p), study)}) {
            QVERIFY2(script.has_value(), script ? "" : script.error().message.c_str());
            const auto& s = *script;
            // The directives follow Sluice's own, before the first command.
            const std::string prefix = slurm ? "#SBATCH " : "#PBS ";
            const auto first = s.find(prefix + p.extra_directives[0] + "\n");
            const auto second = s.find(prefix + p.extra_directives[1] + "\n");
            QVERIFY(first != std::string::npos && second != std::string::npos && first < second);
            QVERIFY(first < s.find("stop_requested=0"));
            QVERIFY(s.rfind(slurm ? "#SBATCH --signal" : "#PBS -l walltime", first) != std::string::npos);
            // Each prologue line is one quoted word of eval, after the environment, before the engine.
            const auto eval = s.find("eval 'module load cray-hdf5-parallel'\n");
            QVERIFY(eval != std::string::npos);
            QVERIFY(s.find("eval 'if true; then'\n") != std::string::npos);
            QVERIFY(s.find("eval 'echo \"it'\\''s $HOME\" '\\''$(id)'\\'''\n") != std::string::npos);
            QVERIFY(eval > s.find("trap on_exit EXIT"));
            const auto restored = s.find("set -euo pipefail", eval);
            QVERIFY(restored != std::string::npos);
            QVERIFY(s.find("cd '/scratch/alice/sluice/jobs/job-1'", restored) != std::string::npos);
            QVERIFY(restored < s.find(slurm ? "srun" : "mpiexec", eval));
            QString err;
            QVERIFY2(bash_parses(s, &err), qPrintable(err));
        }
        // profile test and engine deploy see the prologue too, as a job does.
        QVERIFY(engine_check_script(p).find("eval 'module load cray-hdf5-parallel'") != std::string::npos);
        QVERIFY(environment_script(p).find("eval 'if true; then'") != std::string::npos);
    }

    void noAdditionsNoChange() {
        const auto p = profile(Scheduler::slurm);
        const auto s = job_script(p, spec_for(p));
        QVERIFY(s.has_value());
        QVERIFY(s->find("eval") == std::string::npos);
        QVERIFY(s->find("module") == std::string::npos);
    }

    void profilesFileKeepsThem() {
        auto p = profile(Scheduler::pbs);
        p.extra_directives = {"-l place=scatter", "-P proj"};
        p.prologue = {"source /opt/site/env.sh", "ulimit -s unlimited"};
        auto plain = profile(Scheduler::slurm);
        plain.name = "plain";
        auto text = serialize_profiles({p, plain});
        QVERIFY(text.has_value());
        auto back = parse_profiles(*text);
        QVERIFY(back.has_value());
        QCOMPARE(back->at(0).extra_directives, p.extra_directives);
        QCOMPARE(back->at(0).prologue, p.prologue);
        QVERIFY(back->at(1).extra_directives.empty() && back->at(1).prologue.empty());
        // Written only when set, so that earlier clients still read a file without them.
        QCOMPARE(QString::fromStdString(*text).count("prologue"), 1);
        // A hand-edited file with a refused directive names the profile and the entry.
        auto bad = parse_profiles(R"({"format": "sluice-profiles", "version": 1, "profiles": [{"name": "x",
            "scheduler": "slurm", "host": "h", "scratch_dir": "/s", "extra_directives": ["--uid=0"]}]})");
        QVERIFY(!bad);
        QVERIFY2(QString::fromStdString(bad.error().message).contains("extra_directives[0]"),
                 bad.error().message.c_str());
        auto wrong_type = parse_profiles(R"({"format": "sluice-profiles", "version": 1, "profiles": [{"name":
            "x", "scheduler": "slurm", "host": "h", "scratch_dir": "/s", "prologue": "module load x"}]})");
        QVERIFY(!wrong_type);
    }
};

QTEST_GUILESS_MAIN(TestJobsScriptAdditions)
#include "test_jobs_script_additions.moc"
