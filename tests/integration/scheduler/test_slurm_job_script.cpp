// A job script from shared/jobs submitted to the test Slurm (tests/cluster/slurm_up.sh): the walltime
// signal Slurm sends the batch shell (`scancel -b -s USR1`, as `--signal=B:USR1@M` does) stops the
// engine cleanly (exit 3, status.json "stopped"), and the same script submitted again resumes and
// completes with exactly the result of an uninterrupted run.
#include "common/engine_cases.hpp"
#include "common/fixture_env.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs/profile.hpp"
#include "jobs/script.hpp"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

struct Command {
    int exit_code = -1;
    QString out;
    QString err;
};

// Slurm's client commands answer in well under a second; the timeout only keeps a dead controller from
// hanging the test.
Command run(const QString& program, const QStringList& args, const fs::path& cwd = {}) {
    QProcess p;
    if (!cwd.empty()) p.setWorkingDirectory(q(cwd));
    p.start(program, args);
    Command c;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        c.err = program + " did not finish within 60 s";
        return c;
    }
    c.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    c.out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    c.err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    return c;
}

QString text(const QJsonObject& o) {
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QJsonObject read_json(const fs::path& p) {
    QFile f(q(p));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// `scontrol show job -o ID` as KEY=value pairs (JobState, ExitCode, ...).
std::map<QString, QString> job_fields(const QString& id) {
    std::map<QString, QString> fields;
    const auto c = run("scontrol", {"show", "job", "-o", id});
    for (const auto& word : c.out.split(' ', Qt::SkipEmptyParts)) {
        const auto eq = word.indexOf('=');
        if (eq > 0) fields[word.left(eq)] = word.mid(eq + 1);
    }
    return fields;
}

bool finished_state(const QString& state) {
    return !state.isEmpty() && state != "PENDING" && state != "RUNNING" && state != "CONFIGURING" &&
           state != "COMPLETING" && state != "SUSPENDED";
}

} // namespace

class TestSlurmJobScript : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path src_, recipe_, reference_;
    QStringList submitted_;
    bool available_ = false;

    // Waits until the job has left the queue; returns its final fields.
    std::map<QString, QString> wait_finished(const QString& id, int seconds) {
        QDeadlineTimer deadline(seconds * 1000);
        auto fields = job_fields(id);
        while (!finished_state(fields["JobState"]) && !deadline.hasExpired()) {
            QThread::msleep(250);
            fields = job_fields(id);
        }
        return fields;
    }

    QString submit(const fs::path& job_dir) {
        const auto c =
            run("sbatch", {"--parsable", q(job_dir / std::string(jobs::job_script_file))}, job_dir);
        if (c.exit_code != 0) return {};
        const QString id = c.out.section(';', 0, 0);
        submitted_ << id;
        return id;
    }

    // The source, the recipe and the uninterrupted single-process result for `rows` rows.
    void prepare_source(int rows) {
        std::error_code ec;
        fs::remove(src_, ec);
        fs::remove(reference_, ec);
        auto r = synth(src_, rows, 2048, 4e6, 9);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        write_text(recipe_, full_recipe());
        r = run_engine(filter_args(src_, recipe_, reference_, 64));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    }

private slots:
    void initTestCase() {
        auto env = read_env_file(SLUICE_SLURM_ENV);
        const auto why = env_file_unavailable(env, SLUICE_SLURM_ENV, "SLURM_CONF", "Slurm");
        if (!why.empty()) {
            if (fixtures_strict()) QFAIL(why.c_str());
            QSKIP(why.c_str());
        }
        // sbatch passes this environment on to the job (--export=ALL): the OpenMPI variables ctest sets
        // reach the ranks, and every Slurm command here talks to the test controller.
        qputenv("SLURM_CONF", QByteArray::fromStdString(env["SLURM_CONF"]));
        available_ = true;
        src_ = dir_ / "source.h5";
        recipe_ = dir_ / "recipe.json";
        reference_ = dir_ / "reference.h5";
    }

    void cleanupTestCase() {
        // A failed check can leave a job running; it must not outlive the test's files.
        if (available_ && !submitted_.isEmpty()) (void)run("scancel", submitted_);
    }

    void usr1StopsTheJobAndResubmissionCompletesIt() {
        jobs::ClusterProfile profile;
        profile.name = "test-slurm";
        profile.host = "127.0.0.1";
        profile.scratch_dir = dir_.path().string();
        profile.engine.kind = jobs::EngineCommand::Kind::path;
        profile.engine.value = engine_exe().string();
        // This cluster's MpiDefault is none: the script's `srun --mpi=pmix` (the profile's default
        // srun_mpi) is what makes the two tasks one MPI job.
        profile.resources.partition = "test";
        profile.resources.tasks_per_node = 2;
        profile.resources.walltime = "00:10:00";

        auto spec = jobs::job_spec_from_profile(profile, "usr1-stop");
        spec.input = src_.string();
        spec.dataset = kRawData.toStdString();
        const fs::path output = dir_ / "result.h5";
        spec.output = output.string();
        spec.block_rows = 1;

        auto script = jobs::job_script(profile, spec);
        QVERIFY2(script.has_value(), script ? "" : script.error().message.c_str());
        QVERIFY(script->find("--signal=B:USR1@") != std::string::npos);
        const fs::path job_dir = jobs::job_directory(profile, spec.job_id);
        fs::create_directories(job_dir);
        write_text(job_dir / std::string(jobs::job_script_file), *script);
        write_text(job_dir / std::string(jobs::recipe_file), full_recipe());
        const auto status_path = job_dir / std::string(jobs::status_file);
        const auto progress_path = job_dir / std::string(jobs::progress_file);

        // First run: stopped by the signal Slurm sends before the walltime, sent as soon as the engine
        // reports rows done. One-row blocks make each run last seconds; should a fast machine finish
        // before the signal arrives, the next attempt filters twice the rows.
        QString first;
        std::map<QString, QString> fields;
        QJsonObject status;
        int rows = 2000;
        for (int attempt = 0; attempt < 4; ++attempt, rows *= 2) {
            std::error_code ec;
            fs::remove(output, ec);
            fs::remove(status_path, ec);
            fs::remove(progress_path, ec);
            prepare_source(rows);
            if (QTest::currentTestFailed()) return;
            first = submit(job_dir);
            QVERIFY2(!first.isEmpty(), "sbatch refused the generated script");
            QDeadlineTimer deadline(120000);
            bool running = false;
            while (!deadline.hasExpired()) {
                // Rows done, not merely "running" (which the engine also reports before its first
                // block): the stop must land mid-run for the resumption to mean anything.
                const auto progress = read_json(progress_path);
                if (progress["state"].toString() == "running" && progress["rows_done"].toInteger() > 0) {
                    running = true;
                    break;
                }
                if (finished_state(job_fields(first)["JobState"])) break;
                QThread::msleep(50);
            }
            QVERIFY2(running || read_json(status_path)["state"].toString() == "completed",
                     qPrintable(QString("job %1 never ran the engine; status.json: %2")
                                    .arg(first, text(read_json(status_path)))));
            if (running) {
                const auto scancel = run("scancel", {"-b", "-s", "USR1", first});
                QVERIFY2(scancel.exit_code == 0, qPrintable(scancel.err));
            }
            fields = wait_finished(first, 120);
            QVERIFY2(finished_state(fields["JobState"]), qPrintable("job still " + fields["JobState"]));
            status = read_json(status_path);
            if (status["state"].toString() != "completed") break;
            qInfo("%d rows were filtered before the stop arrived; trying %d", rows, rows * 2);
        }
        QCOMPARE(status["state"].toString(), QString("stopped"));
        QCOMPARE(status["exit_code"].toInt(-1), 3);
        QCOMPARE(fields["ExitCode"], QString("3:0"));
        QCOMPARE(read_json(progress_path)["state"].toString(), QString("stopped"));
        auto done = read_u8(output, kGroup + "/completed_positions");
        const auto rows_done = std::count(done.begin(), done.end(), 1);
        QVERIFY2(rows_done > 0 && rows_done < rows,
                 qPrintable(QString("%1 of %2 rows done").arg(rows_done).arg(rows)));
        qInfo("job %s stopped after %lld of %d rows", qPrintable(first), static_cast<long long>(rows_done),
              rows);

        // Second run: the same script, resumed to the end.
        const QString second = submit(job_dir);
        QVERIFY2(!second.isEmpty(), "sbatch refused the resubmission");
        fields = wait_finished(second, 240);
        status = read_json(status_path);
        QVERIFY2(status["state"].toString() == "completed",
                 qPrintable(QString("job %1 ended %2: %3").arg(second, fields["JobState"], text(status))));
        QCOMPARE(status["exit_code"].toInt(-1), 0);
        QCOMPARE(fields["ExitCode"], QString("0:0"));
        QCOMPARE(read_json(progress_path)["rows_done"].toInteger(), rows);
        done = read_u8(output, kGroup + "/completed_positions");
        QCOMPARE(std::count(done.begin(), done.end(), 1), static_cast<std::ptrdiff_t>(rows));
        QVERIFY(read_f32(output, kGroup + "/Filtered_Data") ==
                read_f32(reference_, kGroup + "/Filtered_Data"));
        QVERIFY(read_f32(output, kGroup + "/Noise_Floors") == read_f32(reference_, kGroup + "/Noise_Floors"));
    }
};

QTEST_GUILESS_MAIN(TestSlurmJobScript)
#include "test_slurm_job_script.moc"
