// shared/jobs script generation: directives per scheduler, stop timing, refusal of hostile directive
// values, and `bash -n` on every script. Running scripts is test_jobs_script_run.cpp.
#include "common/h5_fixtures.hpp"
#include "jobs/script.hpp"

#include <QProcess>
#include <QtTest>
#include <fstream>

using namespace sluice;
using namespace sluice::jobs;
using std::chrono::seconds;

namespace {

ClusterProfile cades(Scheduler scheduler) {
    ClusterProfile p;
    p.name = "cades";
    p.scheduler = scheduler;
    p.host = "login.example.org";
    p.user = "alice";
    p.scratch_dir = "/scratch/alice";
    p.resources = {"birthright", "batch", scheduler == Scheduler::pbs ? "" : "std", 2, 36, "01:00:00", "4G"};
    p.modules = {"purge", "load hdf5/1.10"};
    p.environment = {"OMP_NUM_THREADS=1"};
    p.engine = {EngineCommand::Kind::path, "/opt/sluice/bin/sluice-engine"};
    p.hdf5_file_locking = false;
    return p;
}

JobSpec job(const ClusterProfile& p) {
    auto spec = job_spec_from_profile(p, "job-1");
    spec.input = "../../abc123/giv raw.h5";
    spec.dataset = "/Measurement_000/Channel_000/Raw_Data";
    spec.output = "result.h5";
    return spec;
}

QString script_for(const ClusterProfile& p, const JobSpec& spec) {
    auto s = job_script(p, spec);
    if (!s) qWarning("%s", s.error().message.c_str());
    return s ? QString::fromStdString(*s) : QString();
}

// `bash -n`: the whole script parses.
bool bash_parses(const QString& script, QString* err) {
    test::TempDir dir;
    std::ofstream(dir / "job.sh") << script.toStdString();
    QProcess bash;
    bash.start("bash", {"-n", QString::fromStdString((dir / "job.sh").string())});
    bash.waitForFinished(30000);
    *err = QString::fromUtf8(bash.readAllStandardError());
    return bash.exitStatus() == QProcess::NormalExit && bash.exitCode() == 0;
}

QStringList hostile_values() {
    return {"$(touch /tmp/sluice-pwned)",
            "`id`",
            "a b",
            "x'y",
            "x\"y",
            "a\nb",
            "a;b",
            QString::fromUtf8("Ärger"),
            "batch\n#SBATCH --uid=0",
            "${HOME}",
            ""};
}

} // namespace

class TestJobsScript : public QObject {
    Q_OBJECT
private slots:
    void stopTimingClampsTheSignalMargin_data() {
        QTest::addColumn<int>("walltime");
        QTest::addColumn<int>("margin");
        QTest::addColumn<int>("limit");
        QTest::newRow("3 min: floor of 60 s") << 180 << 60 << 60;
        QTest::newRow("10 min") << 600 << 60 << 480;
        QTest::newRow("20 min: 10 %") << 1200 << 120 << 1020;
        QTest::newRow("1 h") << 3600 << 360 << 3180;
        QTest::newRow("100 min: ceiling reached") << 6000 << 600 << 5340;
        QTest::newRow("1 day: ceiling") << 86400 << 600 << 85740;
    }
    void stopTimingClampsTheSignalMargin() {
        QFETCH(int, walltime);
        QFETCH(int, margin);
        QFETCH(int, limit);
        auto t = stop_timing(seconds(walltime), Scheduler::slurm);
        QVERIFY(t.has_value());
        QCOMPARE(t->signal_margin.count(), margin);
        QCOMPARE(t->time_limit.count(), limit);
        // No early signal on PBS and Torque: the engine's limit is the early stop, a margin before the end.
        for (auto scheduler : {Scheduler::pbs, Scheduler::torque}) {
            t = stop_timing(seconds(walltime), scheduler);
            QVERIFY(t.has_value());
            QCOMPARE(t->signal_margin.count(), margin);
            QCOMPARE(t->time_limit.count(), walltime - margin);
        }
    }
    void tooShortWalltimeIsRefused() {
        auto t = stop_timing(seconds(179), Scheduler::slurm);
        QVERIFY(!t.has_value());
        QVERIFY(t.error().message.starts_with("walltime: 00:02:59 is too short"));
        QVERIFY(t.error().message.find("00:03:00") != std::string::npos);
        QVERIFY(stop_timing(seconds(120), Scheduler::pbs).has_value());
        t = stop_timing(seconds(119), Scheduler::pbs);
        QVERIFY(!t.has_value());
        QVERIFY2(t.error().message.find("stops 60 s before the end") != std::string::npos &&
                     t.error().message.find("ask for 00:02:00") != std::string::npos,
                 t.error().message.c_str());
        auto p = cades(Scheduler::slurm);
        auto spec = job(p);
        spec.resources.walltime = "00:02:00";
        auto s = job_script(p, spec);
        QVERIFY(!s.has_value());
        QVERIFY(s.error().message.starts_with("walltime:"));
    }
    void slurmScript() {
        const auto p = cades(Scheduler::slurm);
        const auto s = script_for(p, job(p));
        QVERIFY(s.startsWith("#!/bin/bash\n#SBATCH --job-name=sluice-job-1\n"));
        for (const char* line :
             {"#SBATCH --nodes=2\n", "#SBATCH --ntasks-per-node=36\n", "#SBATCH --time=01:00:00\n",
              "#SBATCH --signal=B:USR1@360\n", "#SBATCH --account=birthright\n",
              "#SBATCH --partition=batch\n", "#SBATCH --qos=std\n", "#SBATCH --mem=4G\n",
              "\nset -euo pipefail\n", "\ncd '/scratch/alice/sluice/jobs/job-1'\n", "\nmodule 'purge'\n",
              "\nmodule 'load' 'hdf5/1.10'\n", "\nexport OMP_NUM_THREADS='1'\n",
              "\nexport HDF5_USE_FILE_LOCKING=FALSE\n", "\ntrap on_exit EXIT\n", "\npid=$!\n",
              "\ntrap 'kill -USR1 \"$pid\" 2>/dev/null || true; trap \"\" USR1 TERM' USR1 TERM\n",
              "\nwait \"$pid\" || wait \"$pid\" || engine_rc=$?\n", "\nexit \"$engine_rc\"\n"})
            QVERIFY2(s.contains(QString::fromUtf8(line)), line);
        QVERIFY(s.contains("\n'srun' '--mpi=pmix' '/opt/sluice/bin/sluice-engine' 'filter' '--input' "
                           "'../../abc123/giv raw.h5' "
                           "'--dataset' '/Measurement_000/Channel_000/Raw_Data' '--recipe' 'recipe.json' "
                           "'--output' 'result.h5' '--progress' 'progress.json' '--time-limit' '3180' &\n"));
        // sbatch stops reading directives at the first command.
        QVERIFY(s.lastIndexOf("#SBATCH") < s.indexOf("set -euo pipefail"));
        QVERIFY(!s.contains("#PBS"));
    }
    void pbsProScript() {
        const auto p = cades(Scheduler::pbs);
        auto spec = job(p);
        spec.output.reset();
        spec.source_sha256 = std::string(64, 'a');
        spec.block_rows = 128;
        const auto s = script_for(p, spec);
        QVERIFY(s.startsWith("#!/bin/bash\n#PBS -N sluice-job-1\n#PBS -S /bin/bash\n"));
        for (const char* line :
             {"#PBS -l select=2:ncpus=36:mpiprocs=36:mem=4gb\n", "#PBS -l walltime=01:00:00\n",
              "#PBS -A birthright\n", "#PBS -q batch\n", "#PBS -j oe\n"})
            QVERIFY2(s.contains(line), line);
        QVERIFY(s.contains("\n'mpiexec' '-n' '72' '/opt/sluice/bin/sluice-engine' 'filter' "));
        QVERIFY(
            s.contains("'--recipe' 'recipe.json' '--in-place' '--progress' 'progress.json' '--time-limit' "
                       "'3240' '--source-sha256' '" +
                       QString(64, 'a') + "' '--block-rows' '128' &\n"));
        QVERIFY(!s.contains("--signal") && !s.contains("#SBATCH") && !s.contains("qos"));
        QVERIFY(s.lastIndexOf("#PBS") < s.indexOf("set -euo pipefail"));
        // qsig signals every process of the job: the shell's first command is its USR1 trap.
        QVERIFY(s.contains(
            "#PBS -j oe\nstop_requested=0\ntrap 'stop_requested=1' USR1 TERM\nset -euo pipefail\n"));
    }
    void torqueScript() {
        auto p = cades(Scheduler::torque);
        p.resources.walltime = "2-00:00:00";
        p.hdf5_file_locking = true;
        p.engine = {EngineCommand::Kind::module, "sluice/0.1"};
        const auto s = script_for(p, job(p));
        for (const char* line :
             {"#PBS -l nodes=2:ppn=36\n", "#PBS -l mem=8gb\n", "#PBS -l qos=std\n",
              "#PBS -l walltime=48:00:00\n", "#PBS -S /bin/bash\n", "\nmodule 'load' 'sluice/0.1'\n",
              "\n'mpiexec' '-n' '72' 'sluice-engine' 'filter' "})
            QVERIFY2(s.contains(line), line);
        QVERIFY(!s.contains("select="));
        QVERIFY(!s.contains("HDF5_USE_FILE_LOCKING"));
        QVERIFY(s.contains("'--time-limit' '172200'")); // 48 h − 600 s
    }
    void containerEngineAndLongJobIdName() {
        auto p = cades(Scheduler::pbs);
        p.engine = {EngineCommand::Kind::container, "/scratch/alice/sluice.sif"};
        auto spec = job(p);
        spec.job_id = "0123456789abcdef";
        const auto s = script_for(p, spec);
        QVERIFY(s.contains("#PBS -N sluice-01234567\n")); // 15 characters
        QVERIFY(s.contains(
            "'mpiexec' '-n' '72' 'apptainer' 'exec' '/scratch/alice/sluice.sif' 'sluice-engine' 'filter'"));
    }
    void hostileDirectiveValuesAreRefused_data() {
        QTest::addColumn<int>("scheduler");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        for (int sch : {0, 1, 2})
            for (const auto* field : {"account", "partition", "qos", "walltime", "memory"})
                for (const auto& v : hostile_values()) {
                    if (v.isEmpty() && QString(field) != "walltime") continue; // empty = scheduler default
                    QTest::addRow("%d %s %s", sch, field, qPrintable(QString(v).replace(QChar('\n'), "\\n")))
                        << sch << QString(field) << v;
                }
    }
    void hostileDirectiveValuesAreRefused() {
        QFETCH(int, scheduler);
        QFETCH(QString, field);
        QFETCH(QString, value);
        const auto sch = static_cast<Scheduler>(scheduler);
        auto p = cades(sch);
        auto spec = job(p);
        const auto v = value.toStdString();
        auto& r = spec.resources;
        (field == "account"     ? r.account
         : field == "partition" ? r.partition
         : field == "qos"       ? r.qos
         : field == "walltime"  ? r.walltime
                                : r.memory) = v;
        auto s = job_script(p, spec);
        QVERIFY(!s.has_value());
        auto expected = field;
        if (field == "partition" && sch != Scheduler::slurm) expected = "queue";
        QVERIFY2(s.error().message.starts_with("job 'job-1': " + expected.toStdString() + ":"),
                 s.error().message.c_str());
    }
    void badCountsAndJobIdsAreRefused() {
        auto p = cades(Scheduler::slurm);
        auto spec = job(p);
        spec.resources.nodes = 0;
        QVERIFY(job_script(p, spec).error().message.find("nodes: 0") != std::string::npos);
        spec = job(p);
        spec.resources.tasks_per_node = -1;
        QVERIFY(job_script(p, spec).error().message.find("tasks_per_node") != std::string::npos);
        for (const auto& v : hostile_values()) {
            spec = job(p);
            spec.job_id = v.toStdString();
            auto s = job_script(p, spec);
            QVERIFY(!s.has_value());
            QVERIFY(s.error().message.find("job id: ") != std::string::npos);
        }
        spec = job(p);
        spec.input.clear();
        QVERIFY(job_script(p, spec).error().message.find("input: empty") != std::string::npos);
        spec = job(p);
        spec.source_sha256 = "$(id)";
        QVERIFY(job_script(p, spec).error().message.find("source_sha256") != std::string::npos);
    }
    void everyScriptPassesBashN_data() {
        QTest::addColumn<int>("scheduler");
        QTest::addColumn<int>("variant");
        for (int sch : {0, 1, 2})
            for (int variant : {0, 1, 2, 3})
                QTest::addRow("%d/%d", sch, variant) << sch << variant;
    }
    void everyScriptPassesBashN() {
        QFETCH(int, scheduler);
        QFETCH(int, variant);
        auto p = cades(static_cast<Scheduler>(scheduler));
        auto spec = job(p);
        if (variant == 1) { // bare profile: no modules, no environment, defaults everywhere
            p.modules.clear();
            p.environment.clear();
            p.hdf5_file_locking = true;
            spec.resources = Resources{};
        }
        if (variant == 2) { // hostile values in every shell field
            p.scratch_dir = "/s $(id) `id` ' \" \n ;&|<>*?";
            p.modules = {"load $(id) `x` ' \"", "\n\tpurge"};
            p.environment = {"X=$(id)'\"`\n", "EMPTY="};
            p.engine = {EngineCommand::Kind::container, "a'b\"c$(d)\ne"};
            spec.input = spec.dataset = "'\"$(id)`id`\n\\";
            spec.output = "-o \n'";
        }
        if (variant == 3) p.engine = {EngineCommand::Kind::module, "sluice/0.1 $(id)"};
        const auto s = script_for(p, spec);
        QVERIFY(!s.isEmpty());
        QString err;
        QVERIFY2(bash_parses(s, &err), qPrintable(err + "\n" + s));
    }
};

QTEST_GUILESS_MAIN(TestJobsScript)
#include "test_jobs_script.moc"
