// `sluice-cli engine deploy` end to end on the test cluster (sshd + Slurm fixtures): a profile whose
// engine does not exist fails its test with the deploy hint; deploy uploads the source archive this
// build made, builds it as the cluster user with the cluster's compilers and libraries, installs it with
// its modulefile, records it in the profile and runs its own 2-rank test job through Slurm; a job then
// runs that engine with 2 ranks under srun and matches a local run; a second deploy builds nothing; a
// compiler that is missing or too old is named with what to load; the build also runs as a batch job
// (--in-job, or a profile's --deploy-in-job), whose failure comes back with its log.
#include "cluster_login.hpp"
#include "common/engine_cases.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs/profile.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>
#include <cctype>
#include <filesystem>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = "/Measurement_000/Channel_000/Raw_Data-FFT_Filtering_000";

} // namespace

class TestCliEngineDeploy : public QObject {
    Q_OBJECT

    TempDir dir_;
    ClusterLogin login_;
    QProcessEnvironment env_;
    fs::path deployed_;

    CliRun cli(const QStringList& args, int timeout_ms = 120000) {
        return run_cli(SLUICE_CLI, env_, args, timeout_ms);
    }

    QJsonObject profile_json(const QString& name) {
        const auto c = cli({"profile", "list", "--json"});
        for (const auto& p : QJsonDocument::fromJson(c.out.toUtf8()).object()["profiles"].toArray())
            if (p.toObject()["name"].toString() == name) return p.toObject();
        return {};
    }

    static std::string job_id_version() {
        std::string v = SLUICE_VERSION;
        for (char& c : v)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
        return v;
    }

    CliRun add_profile(const QString& name, const QStringList& extra = {}) {
        return cli(QStringList{"profile", "add", name, "--host", "loop", "--scratch",
                               q(login_.user_home / "scratch"), "--partition",
                               QString::fromStdString(login_.queue()), "--tasks-per-node", "2", "--walltime",
                               "00:10:00", "--engine-path", "/nonexistent/sluice-engine", "--env",
                               "OMPI_MCA_btl_vader_single_copy_mechanism=none"} +
                   extra);
    }

private slots:
    void initTestCase() {
        login_ = ClusterLogin::prepare(dir_, jobs::Scheduler::slurm, SLUICE_SCHEDULER_ENV);
        SLUICE_REQUIRE_CLUSTER_LOGIN(login_);
        env_ = login_.client_environment();
        env_.insert("SLUICE_ENGINE_SOURCE", QString::fromStdString(SLUICE_ENGINE_SOURCE));
        deployed_ = login_.user_home / ".local/share/sluice/engine" / SLUICE_VERSION / "bin/sluice-engine";
        // The user's home outlives one run of the fixture: start without an engine deployed by the last.
        fs::remove_all(login_.user_home / ".local/share/sluice/engine");
        fs::remove_all(login_.user_home / "scratch/sluice/engine-build");
    }

    void missingEngineIsReportedWithTheDeployHint() {
        auto c = add_profile("fresh");
        QVERIFY2(c.exit_code == 0, qPrintable(c.err));
        c = cli({"profile", "test", "fresh"});
        QCOMPARE(c.exit_code, 1);
        QVERIFY2(c.err.contains("sluice-cli engine deploy fresh"), qPrintable(c.err));
    }

    void missingToolsAreNamedWithWhatToLoad() {
        // A compiler that is not there, and one that cannot compile C++23: each stops the deploy before
        // anything is uploaded.
        auto c = add_profile("no-compiler", {"--env", "CXX=/nonexistent/c++"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err));
        c = cli({"engine", "deploy", "no-compiler"});
        QCOMPARE(c.exit_code, 1);
        QVERIFY2(c.err.contains("no C++ compiler (/nonexistent/c++)") && c.err.contains("GCC 12"),
                 qPrintable(c.err));
        c = add_profile("old-compiler", {"--env", "CXX=/bin/false"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err));
        c = cli({"engine", "deploy", "old-compiler"});
        QCOMPARE(c.exit_code, 1);
        QVERIFY2(c.err.contains("/bin/false has no C++23") && c.err.contains("GCC 12"), qPrintable(c.err));
        QVERIFY(!fs::exists(login_.user_home / "scratch/sluice/engine-build"));
    }

    void deployBuildsInstallsAndRecords() {
        auto c = cli({"engine", "deploy", "fresh", "--jobs", "2"}, 20 * 60 * 1000);
        qInfo("deploy printed:\n%s", qPrintable(c.out));
        QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
        QVERIFY2(c.out.contains(QString("built and installed sluice-engine %1").arg(SLUICE_VERSION)),
                 qPrintable(c.out));
        // Its first job ran through Slurm with 2 ranks and came back, by the deploy itself.
        QVERIFY2(c.out.contains("ok  test job ") && c.out.contains("filtered a synthetic file with 2 ranks"),
                 qPrintable(c.out));
        QVERIFY(fs::is_regular_file(deployed_));
        QVERIFY(fs::is_regular_file(deployed_.parent_path().parent_path() /
                                    "share/sluice/modulefiles/sluice-engine" /
                                    (std::string(SLUICE_VERSION) + ".lua")));
        // The build directory is gone; only the verified source archive stays for a later rebuild.
        QVERIFY(!fs::exists(login_.user_home / "scratch/sluice/engine-build" / SLUICE_VERSION / "build"));
        QCOMPARE(profile_json("fresh")["engine"].toObject()["path"].toString(), q(deployed_));

        c = cli({"profile", "test", "fresh"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
        QVERIFY2(c.out.contains(QString("ok  sluice-engine %1").arg(SLUICE_VERSION)) && !c.out.contains("!!"),
                 qPrintable(c.out));
    }

    void redeployOfTheSameVersionBuildsNothing() {
        const auto before = fs::last_write_time(deployed_);
        auto c = cli({"engine", "deploy", "fresh"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
        QVERIFY2(c.out.contains("nothing to build") && !c.out.contains("building"), qPrintable(c.out));
        QCOMPARE(fs::last_write_time(deployed_), before);
    }

    void aFailedBuildJobIsReportedAndKeepsTheEngine() {
        // A profile that builds in a batch job, given a source archive that is not one: the job fails in
        // tar, its log's lines come back, and the installed engine is left as it was.
        auto c = add_profile("in-job", {"--deploy-in-job"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err));
        QVERIFY(profile_json("in-job")["deploy_in_job"].toBool());
        const auto before = fs::last_write_time(deployed_);
        write_text(dir_ / "not-a-source.tar.gz", "not an archive\n");
        const auto real_source = env_.value("SLUICE_ENGINE_SOURCE");
        env_.insert("SLUICE_ENGINE_SOURCE", q(dir_ / "not-a-source.tar.gz"));
        c = cli({"engine", "deploy", "in-job", "--force", "--jobs", "2", "--no-test-job"}, 10 * 60 * 1000);
        env_.insert("SLUICE_ENGINE_SOURCE", real_source);
        QCOMPARE(c.exit_code, 1);
        QVERIFY2(c.out.contains("build job ") && c.out.contains("submitted"), qPrintable(c.out));
        QVERIFY2(c.err.contains(QRegularExpression("build job \\S+ failed \\(exit 2\\): .*gzip")),
                 qPrintable(c.err + c.out));
        QCOMPARE(fs::last_write_time(deployed_), before);
        c = cli({"profile", "test", "fresh"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
    }

    void aForcedRedeployBuildsInABatchJob() {
        const auto before = fs::last_write_time(deployed_);
        auto c = cli({"engine", "deploy", "fresh", "--force", "--in-job", "--jobs", "2", "--no-test-job"},
                     20 * 60 * 1000);
        qInfo("deploy printed:\n%s", qPrintable(c.out));
        QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
        QVERIFY2(c.out.contains("build job ") && !c.out.contains("on the login node"), qPrintable(c.out));
        QVERIFY2(c.out.contains(QString("built and installed sluice-engine %1").arg(SLUICE_VERSION)),
                 qPrintable(c.out));
        QVERIFY(fs::last_write_time(deployed_) != before);
        // The job's directory went with its success; the engine it built answers.
        QVERIFY(!fs::exists(login_.user_home / "scratch/sluice/jobs" / ("engine-build-" + job_id_version())));
        c = cli({"profile", "test", "fresh"});
        QVERIFY2(c.exit_code == 0 && c.out.contains(QString("ok  sluice-engine %1").arg(SLUICE_VERSION)),
                 qPrintable(c.err + c.out));
    }

    void theDeployedEngineRunsAJobWithTwoRanks() {
        write_text(dir_ / "recipe.json", full_recipe());
        QVERIFY(synth(dir_ / "tiny.h5", 64, 1024, 4e6, 3).exit_code == 0);
        auto r = run_engine(filter_args(dir_ / "tiny.h5", dir_ / "recipe.json", dir_ / "reference.h5", 64));
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        auto c = cli({"submit", q(dir_ / "tiny.h5"), "--dataset", kRawData, "--recipe",
                      q(dir_ / "recipe.json"), "--profile", "fresh"});
        QVERIFY2(c.exit_code == 0, qPrintable(c.err));
        c = cli({"watch", "--max-interval", "2"}, 300000);
        QVERIFY2(c.exit_code == 0, qPrintable(c.err + c.out));
        const fs::path result = dir_ / "tiny-filtered-000.h5";
        QVERIFY(fs::exists(result));
        QVERIFY(read_f32(result, kGroup + "/Filtered_Data") ==
                read_f32(dir_ / "reference.h5", kGroup + "/Filtered_Data"));
    }
};

QTEST_GUILESS_MAIN(TestCliEngineDeploy)
#include "test_cli_engine_deploy.moc"
