// shared/jobs profiles.json: round trip, XDG location, atomic save, and validation errors that name the
// profile and the field.
#include "common/h5_fixtures.hpp"
#include "jobs/profiles_file.hpp"

#include <QtTest>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace sluice;
using namespace sluice::jobs;
using nlohmann::json;

namespace {

ClusterProfile full_profile() {
    ClusterProfile p;
    p.name = "cades condo";
    p.scheduler = Scheduler::torque;
    p.host = "login.cades.example.org";
    p.user = "alice";
    p.port = 2222;
    p.scratch_dir = "/lustre/or-hydra/alice";
    p.resources = {"birthright", "batch", "std", 2, 36, "00:30:00", "64G"};
    p.modules = {"purge", "load PE-intel"};
    p.environment = {"MKL_NUM_THREADS=1", "NOTE=a value with $dollars and 'quotes'"};
    p.engine = {EngineCommand::Kind::module, "sluice/0.1"};
    p.hdf5_file_locking = false;
    p.srun_mpi = "pmix_v4";
    p.transfer_streams = 4;
    return p;
}

ClusterProfile minimal_profile() {
    ClusterProfile p;
    p.name = "laptop-slurm";
    p.host = "127.0.0.1";
    p.scratch_dir = "/tmp";
    return p;
}

json one_profile_doc() {
    return json::parse(R"({"format": "sluice-profiles", "version": 1, "profiles": [
        {"name": "c1", "scheduler": "slurm", "host": "h", "scratch_dir": "/s", "walltime": "01:00:00"}]})");
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestJobsProfiles : public QObject {
    Q_OBJECT
private slots:
    void roundTripKeepsEveryField() {
        test::TempDir dir;
        const auto file = dir / "sub/dir/profiles.json";
        const std::vector<ClusterProfile> profiles{full_profile(), minimal_profile()};
        QVERIFY(save_profiles(file, profiles).has_value());
        auto loaded = load_profiles(file);
        QVERIFY2(loaded.has_value(), loaded ? "" : loaded.error().message.c_str());
        QCOMPARE(loaded->size(), std::size_t(2));
        const auto& p = loaded->front();
        QCOMPARE(p.name, std::string("cades condo"));
        QCOMPARE(p.scheduler, Scheduler::torque);
        QCOMPARE(p.port, std::optional(2222));
        QCOMPARE(p.resources.qos, std::string("std"));
        QCOMPARE(p.resources.tasks_per_node, 36);
        QCOMPARE(p.resources.memory, std::string("64G"));
        QVERIFY(p.modules == full_profile().modules);
        QVERIFY(p.environment == full_profile().environment);
        QCOMPARE(p.engine.kind, EngineCommand::Kind::module);
        QCOMPARE(p.engine.value, std::string("sluice/0.1"));
        QVERIFY(!p.hdf5_file_locking);
        QCOMPARE(p.transfer_streams, 4);
        if (p.scheduler == Scheduler::slurm) QCOMPARE(p.srun_mpi, std::string("pmix_v4"));
        QCOMPARE(loaded->back().srun_mpi, std::string("pmix")); // the default
        QVERIFY(!loaded->back().port.has_value());
        QVERIFY(loaded->back().hdf5_file_locking);
        QCOMPARE(loaded->back().transfer_streams, 0); // automatic
        // Serialising what was loaded gives the same file: nothing lost, nothing invented.
        QCOMPARE(*serialize_profiles(*loaded), read_file(file));
        QVERIFY(read_file(file).find("password") == std::string::npos);
    }
    void missingFileIsAnEmptyList() {
        test::TempDir dir;
        auto loaded = load_profiles(dir / "none.json");
        QVERIFY(loaded.has_value() && loaded->empty());
    }
    void defaultPathFollowsXdg() {
        const QByteArray old_xdg = qgetenv("XDG_CONFIG_HOME"), old_home = qgetenv("HOME");
        qputenv("XDG_CONFIG_HOME", "/x/config");
        QCOMPARE(default_profiles_path()->string(), std::string("/x/config/sluice/profiles.json"));
        qputenv("XDG_CONFIG_HOME", "relative/ignored");
        qputenv("HOME", "/home/alice");
        QCOMPARE(default_profiles_path()->string(), std::string("/home/alice/.config/sluice/profiles.json"));
        qunsetenv("XDG_CONFIG_HOME");
        QCOMPARE(default_profiles_path()->string(), std::string("/home/alice/.config/sluice/profiles.json"));
        qputenv("HOME", old_home);
        if (!old_xdg.isNull()) qputenv("XDG_CONFIG_HOME", old_xdg);
    }
    void validationErrorsNameProfileAndField_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value"); // JSON
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown key") << "acount"
                                     << R"("x")"
                                     << "profile 'c1': unknown key 'acount'";
        QTest::newRow("srun_mpi injection")
            << "srun_mpi"
            << R"("pmix; rm -rf x")"
            << "profile 'c1': srun_mpi: 'pmix; rm -rf x' is not an MPI plugin name";
        QTest::newRow("scheduler") << "scheduler"
                                   << R"("lsf")"
                                   << "profile 'c1': scheduler: 'lsf' is not slurm";
        QTest::newRow("account space") << "account"
                                       << R"("a b")"
                                       << "profile 'c1': account: 'a b' may contain only";
        QTest::newRow("account newline") << "account"
                                         << R"("a\n#SBATCH --uid=0")"
                                         << "profile 'c1': account: 'a\\n#SBATCH --uid=0' may contain only";
        QTest::newRow("partition") << "partition"
                                   << R"j("$(id)")j"
                                   << "profile 'c1': partition: '$(id)'";
        QTest::newRow("qos") << "qos"
                             << R"("`id`")"
                             << "profile 'c1': qos: '`id`'";
        QTest::newRow("walltime") << "walltime"
                                  << R"("1h")"
                                  << "profile 'c1': walltime: '1h' is not HH:MM:SS";
        QTest::newRow("walltime minutes") << "walltime"
                                          << R"("1:60:00")"
                                          << "profile 'c1': walltime: '1:60:00'";
        QTest::newRow("memory") << "memory"
                                << R"("4GB")"
                                << "profile 'c1': memory: '4GB' is not a number";
        QTest::newRow("nodes zero") << "nodes"
                                    << "0"
                                    << "profile 'c1': nodes: 0 is not between 1";
        QTest::newRow("nodes string") << "nodes"
                                      << R"("2")"
                                      << "profile 'c1': nodes: must be an integer";
        QTest::newRow("port") << "port"
                              << "70000"
                              << "profile 'c1': port: 70000 is not 1 to 65535";
        QTest::newRow("host") << "host"
                              << R"("-oProxyCommand=x")"
                              << "profile 'c1': host: '-oProxyCommand=x'";
        QTest::newRow("user") << "user"
                              << R"("a b")"
                              << "profile 'c1': user: 'a b' is not a user name";
        QTest::newRow("scratch") << "scratch_dir"
                                 << R"("rel/dir")"
                                 << "profile 'c1': scratch_dir: 'rel/dir' is not an absolute path";
        QTest::newRow("environment name")
            << "environment"
            << R"(["1X=y"])"
            << "profile 'c1': environment[0]: '1X' is not a shell variable name";
        // Found by fuzz_job_script: values are literal, so PATH=/x replaced the whole PATH and the job
        // script could no longer run mv or date; status.json stayed "running" for a finished job.
        QTest::newRow("environment PATH")
            << "environment"
            << R"(["PATH=/opt/tools/bin"])"
            << "profile 'c1': environment[0]: PATH is used by the job script or the shell itself";
        QTest::newRow("environment form") << "environment"
                                          << R"(["X"])"
                                          << "profile 'c1': environment[0]: 'X' is not NAME=value";
        QTest::newRow("modules type") << "modules"
                                      << R"("load x")"
                                      << "profile 'c1': modules: must be a list";
        QTest::newRow("engine kind") << "engine"
                                     << R"({"docker": "x"})"
                                     << "profile 'c1': engine: unknown kind 'docker'";
        QTest::newRow("engine shape") << "engine"
                                      << R"("sluice-engine")"
                                      << "profile 'c1': engine: must be";
        QTest::newRow("locking") << "hdf5_file_locking"
                                 << R"("no")"
                                 << "profile 'c1': hdf5_file_locking: must be true or false";
        QTest::newRow("transfer_streams")
            << "transfer_streams"
            << "9"
            << "profile 'c1': transfer_streams: 9 is not 0 (automatic) or 1 to 8";
        QTest::newRow("transfer_streams type") << "transfer_streams"
                                               << R"("4")"
                                               << "profile 'c1': transfer_streams: must be an integer";
        QTest::newRow("missing host") << "host"
                                      << "null"
                                      << "profile 'c1': host: must be a string";
    }
    void validationErrorsNameProfileAndField() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, message);
        auto doc = one_profile_doc();
        doc["profiles"][0][key.toStdString()] = json::parse(value.toStdString());
        auto r = parse_profiles(doc.dump());
        QVERIFY(!r.has_value());
        QVERIFY2(r.error().message.starts_with(message.toStdString()), r.error().message.c_str());
    }
    // The profiles dialog focuses the field from Error::field, so every refusal of validate_profile
    // carries the profile's key (and a list's entry) as data.
    void validationErrorsCarryTheField() {
        const std::vector<std::pair<std::function<void(ClusterProfile&)>, Field>> cases = {
            {[](ClusterProfile& p) { p.name.clear(); }, {{}, "name", {}}},
            {[](ClusterProfile& p) { p.host = "-oProxyCommand=x"; }, {{}, "host", {}}},
            {[](ClusterProfile& p) { p.port = 0; }, {{}, "port", {}}},
            {[](ClusterProfile& p) { p.scratch_dir = "rel"; }, {{}, "scratch_dir", {}}},
            {[](ClusterProfile& p) { p.resources.partition = "$(id)"; }, {{}, "partition", {}}},
            {[](ClusterProfile& p) { p.resources.tasks_per_node = 0; }, {{}, "tasks_per_node", {}}},
            {[](ClusterProfile& p) { p.resources.walltime = "1h"; }, {{}, "walltime", {}}},
            {[](ClusterProfile& p) { p.resources.memory = "4GB"; }, {{}, "memory", {}}},
            {[](ClusterProfile& p) {
                 p.environment = {"A=1", "1X=y"};
             },
             {{}, "environment", 1}},
            {[](ClusterProfile& p) {
                 p.modules = {"load x", "\xff"};
             },
             {{}, "modules", 1}},
            {[](ClusterProfile& p) {
                 p.extra_directives = {"--exclusive", "--time=1:00:00"};
             },
             {{}, "extra_directives", 1}},
            {[](ClusterProfile& p) { p.engine.value.clear(); }, {{}, "engine", {}}},
            {[](ClusterProfile& p) { p.srun_mpi = "a b"; }, {{}, "srun_mpi", {}}},
            {[](ClusterProfile& p) { p.transfer_streams = 9; }, {{}, "transfer_streams", {}}},
        };
        for (const auto& [change, field] : cases) {
            auto p = minimal_profile();
            change(p);
            const auto st = validate_profile(p);
            QVERIFY2(!st, field.key.c_str());
            QVERIFY2(st.error().field == field, st.error().message.c_str());
        }
        auto doc = one_profile_doc();
        doc["profiles"].push_back(doc["profiles"][0]);
        QCOMPARE(parse_profiles(doc.dump()).error().field, std::optional<Field>(Field{{}, "name", {}}));
    }
    void documentLevelErrors() {
        QVERIFY(parse_profiles("{not json").error().message.find("not valid JSON") != std::string::npos);
        QVERIFY(parse_profiles(R"({"format": "x", "version": 1})").error().message.find("format") !=
                std::string::npos);
        QVERIFY(parse_profiles(R"({"format": "sluice-profiles", "version": 2})")
                    .error()
                    .message.find("version") != std::string::npos);
        auto doc = one_profile_doc();
        doc["profiles"].push_back(doc["profiles"][0]);
        QCOMPARE(parse_profiles(doc.dump()).error().message,
                 std::string("profile 'c1': the name is used twice"));
        doc = one_profile_doc();
        doc["profiles"][0].erase("host");
        QCOMPARE(parse_profiles(doc.dump()).error().message, std::string("profile 'c1': host: missing"));
        doc = one_profile_doc();
        doc["profiles"][0]["scheduler"] = "pbs";
        doc["profiles"][0]["qos"] = "std";
        QVERIFY(
            parse_profiles(doc.dump()).error().message.starts_with("profile 'c1': qos: PBS Pro has no QoS"));
    }
    void invalidProfilesAreNotSaved() {
        test::TempDir dir;
        const auto file = dir / "profiles.json";
        QVERIFY(save_profiles(file, {minimal_profile()}).has_value());
        const auto before = read_file(file);
        auto bad = minimal_profile();
        bad.name = "bad";
        bad.resources.account = "x\ny";
        auto r = save_profiles(file, {minimal_profile(), bad});
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().message,
                 std::string("profile 'bad': account: 'x\\ny' may contain only letters, digits, "
                             "'_', '.' and '-'"));
        QCOMPARE(read_file(file), before);
        QVERIFY(!save_profiles(file, {minimal_profile(), minimal_profile()}).has_value());
    }
    void brokenFileNamesTheFile() {
        test::TempDir dir;
        const auto file = dir / "profiles.json";
        std::ofstream(file) << "{\"format\": \"sluice-profiles\", \"version\": 1, \"profiles\": [1]}";
        auto r = load_profiles(file);
        QVERIFY(!r.has_value());
        QVERIFY(r.error().message.starts_with(file.string() + ": "));
    }
};

QTEST_GUILESS_MAIN(TestJobsProfiles)
#include "test_jobs_profiles.moc"
