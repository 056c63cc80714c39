// Site profiles (/etc/sluice/profiles.json, or $SLUICE_SITE_PROFILES): every user sees them next to
// their own, a user's profile of the same name replaces the site's, a broken site file is an error that
// names it, and sluice-cli lists them as the site's and will not remove them. Also what engine deploy
// refuses before it logs in anywhere.
#include "app.hpp"
#include "common/h5_fixtures.hpp"
#include "jobs/profiles_file.hpp"

#include <QtTest>
#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace sluice;
using namespace sluice::test;
namespace fs = std::filesystem;

namespace {

jobs::ClusterProfile cluster(const std::string& name, const std::string& host) {
    jobs::ClusterProfile p;
    p.name = name;
    p.host = host;
    p.scratch_dir = "/scratch/" + name;
    return p;
}

struct Run {
    int code = -1;
    QString out, err;
};

} // namespace

class TestSiteProfiles : public QObject {
    Q_OBJECT
    TempDir dir_;
    fs::path user_, site_;

    Run cli(std::vector<std::string> args) {
        args.insert(args.begin(),
                    {"sluice-cli", "--store", (dir_ / "jobs.sqlite").string(), "--profiles", user_.string()});
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        argv.push_back(nullptr);
        char *out = nullptr, *err = nullptr;
        std::size_t out_size = 0, err_size = 0;
        std::FILE* o = ::open_memstream(&out, &out_size);
        std::FILE* e = ::open_memstream(&err, &err_size);
        Run r;
        r.code = cli::run(static_cast<int>(args.size()), argv.data(), o, e);
        std::fclose(o);
        std::fclose(e);
        r.out = QString::fromUtf8(out, static_cast<qsizetype>(out_size));
        r.err = QString::fromUtf8(err, static_cast<qsizetype>(err_size));
        std::free(out);
        std::free(err);
        return r;
    }

    static QStringList names(const std::vector<jobs::ClusterProfile>& profiles) {
        QStringList n;
        for (const auto& p : profiles)
            n << QString::fromStdString(p.name);
        return n;
    }

private slots:
    void init() {
        user_ = dir_ / "user/profiles.json";
        site_ = dir_ / "etc/profiles.json";
        fs::remove_all(dir_ / "user");
        fs::remove_all(dir_ / "etc");
        qputenv("SLUICE_SITE_PROFILES", QByteArray::fromStdString(site_.string()));
    }

    void withoutASiteFileOnlyTheUsersProfiles() {
        QCOMPARE(QString::fromStdString(jobs::site_profiles_path().string()),
                 QString::fromStdString(site_.string()));
        qunsetenv("SLUICE_SITE_PROFILES");
        QCOMPARE(QString::fromStdString(jobs::site_profiles_path().string()),
                 QString("/etc/sluice/profiles.json"));
        qputenv("SLUICE_SITE_PROFILES", QByteArray::fromStdString(site_.string()));
        QVERIFY(jobs::save_profiles(user_, {cluster("mine", "a.example")}).has_value());
        auto all = jobs::all_profiles(user_);
        QVERIFY(all.has_value());
        QCOMPARE(names(*all), QStringList({"local", "mine"}));
    }

    void siteProfilesExtendTheUsersAndAreReplacedByName() {
        QVERIFY(
            jobs::save_profiles(site_, {cluster("hpc", "site.example"), cluster("shared", "shared.example")})
                .has_value());
        QVERIFY(jobs::save_profiles(user_, {cluster("hpc", "mine.example"), cluster("mine", "a.example")})
                    .has_value());
        auto all = jobs::all_profiles(user_);
        QVERIFY(all.has_value());
        QCOMPARE(names(*all), QStringList({"local", "hpc", "mine", "shared"}));
        auto hpc = jobs::load_profile(user_, "hpc");
        QVERIFY(hpc && *hpc);
        QCOMPARE(QString::fromStdString((*hpc)->host), QString("mine.example")); // the user's wins
        auto shared = jobs::load_profile(user_, "shared");
        QVERIFY(shared && *shared);
        QCOMPARE(QString::fromStdString((*shared)->host), QString("shared.example"));
        // The user's own file stays the user's: loading and saving it never copies the site's in.
        auto own = jobs::load_profiles(user_);
        QVERIFY(own.has_value());
        QCOMPARE(names(*own), QStringList({"hpc", "mine"}));
    }

    void aBrokenSiteFileIsAnErrorNamingIt() {
        fs::create_directories(site_.parent_path());
        std::ofstream(site_) << "{ not json";
        auto all = jobs::all_profiles(user_);
        QVERIFY(!all.has_value());
        QVERIFY2(all.error().message.find(site_.string()) != std::string::npos, all.error().message.c_str());
        QVERIFY(!jobs::load_profile(user_, "anything").has_value());
    }

    void cliListsSiteProfilesAndLeavesThemToTheAdmin() {
        QVERIFY(
            jobs::save_profiles(site_, {cluster("hpc", "site.example"), cluster("shared", "shared.example")})
                .has_value());
        QVERIFY(jobs::save_profiles(user_, {cluster("hpc", "mine.example")}).has_value());
        auto r = cli({"profile", "list"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QRegularExpression("shared .*shared\\.example.*\\(site\\)")),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("hpc .*mine\\.example")) &&
                     !r.out.contains("site.example"),
                 qPrintable(r.out));
        r = cli({"profile", "remove", "shared"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("is the site's") && r.err.contains(QString::fromStdString(site_.string())),
                 qPrintable(r.err));
        // Removing the user's "hpc" uncovers the site's again.
        r = cli({"profile", "remove", "hpc"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        auto hpc = jobs::load_profile(user_, "hpc");
        QVERIFY(hpc && *hpc);
        QCOMPARE(QString::fromStdString((*hpc)->host), QString("site.example"));
    }

    // A site profile's script additions reach every user's jobs, checked like the user's own.
    void siteScriptAdditions() {
        auto site = cluster("site-hpc", "site.example");
        site.extra_directives = {"--constraint=ib"};
        site.prologue = {"module load site-hdf5"};
        QVERIFY(jobs::save_profiles(site_, {site}).has_value());
        auto loaded = jobs::load_profile(user_, "site-hpc");
        QVERIFY(loaded && *loaded);
        QCOMPARE((*loaded)->extra_directives, site.extra_directives);
        QCOMPARE((*loaded)->prologue, site.prologue);
        // A site file with a refused directive is an error naming the file and the entry.
        fs::create_directories(site_.parent_path());
        std::ofstream(site_) << R"({"format": "sluice-profiles", "version": 1, "profiles": [{"name": "x", )"
                             << R"("scheduler": "slurm", "host": "h", "scratch_dir": "/s", )"
                             << R"("extra_directives": ["--chdir=/"]}]})";
        auto all = jobs::all_profiles(user_);
        QVERIFY(!all.has_value());
        QVERIFY2(all.error().message.find(site_.string()) != std::string::npos &&
                     all.error().message.find("extra_directives[0]") != std::string::npos,
                 all.error().message.c_str());
    }

    void engineDeployRefusesBeforeAnyLogin() {
        QVERIFY(jobs::save_profiles(user_, {cluster("hpc", "unreachable.invalid")}).has_value());
        auto r = cli({"engine", "deploy", "hpc", "--prefix", "relative/dir"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--prefix must be absolute or start with ~/"), qPrintable(r.err));
        r = cli({"engine", "deploy", "local"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("'local' runs the engine installed on this computer"), qPrintable(r.err));
        r = cli({"engine", "deploy", "nowhere"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("no profile 'nowhere'"), qPrintable(r.err));
        r = cli({"engine", "deploy", "hpc", "--jobs", "0"});
        QCOMPARE(r.code, 2);
    }
};

QTEST_GUILESS_MAIN(TestSiteProfiles)
#include "test_site_profiles.moc"
