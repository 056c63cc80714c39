// The submit dialog on the offscreen platform: the script preview is the job script shared/jobs would
// submit, every edit re-plans it, and bad values disable Submit with the reason shown. It lists the
// user's and the site's profiles, and "Add cluster…" adds one through the profiles dialog and selects it.
#include "common/engine_cases.hpp"
#include "gui_test_main.hpp"
#include "jobs/profiles_file.hpp"
#include "services/h5_service.hpp"
#include "util/sha256.hpp"
#include "widgets/profiles_dialog.hpp"
#include "widgets/submit_dialog.hpp"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>

using namespace sluice;
using namespace sluice::test;
using sluice::gui::H5Service;
using sluice::gui::ProfilesDialog;
using sluice::gui::SubmitDialog;

namespace {

jobs::ClusterProfile hpc() {
    jobs::ClusterProfile p;
    p.name = "hpc";
    p.host = "login.example.org";
    p.scratch_dir = "/scratch/someone";
    p.resources.partition = "short";
    p.resources.walltime = "01:00:00";
    p.resources.tasks_per_node = 8;
    p.engine = {jobs::EngineCommand::Kind::module, "sluice/1.0"};
    p.extra_directives = {"--constraint=haswell"};
    p.prologue = {"source /opt/site/env.sh"};
    return p;
}

QPushButton* submit_button(SubmitDialog& d) {
    for (auto* b : d.findChildren<QPushButton*>())
        if (b->text() == "Submit") return b;
    return nullptr;
}

QLineEdit* edit_with_placeholder(SubmitDialog& d, const QString& placeholder) {
    for (auto* e : d.findChildren<QLineEdit*>())
        if (e->placeholderText() == placeholder) return e;
    return nullptr;
}

// profiles.json in `dir` holding `profiles`, as the profiles dialog and sluice-cli write it.
QString profiles_file(const TempDir& dir, const char* name,
                      const std::vector<jobs::ClusterProfile>& profiles) {
    const auto file = dir / name;
    if (auto st = jobs::save_profiles(file, profiles); !st) qFatal("%s", st.error().message.c_str());
    return QString::fromStdString(file.string());
}

// Types into a new profile's fields (by object name) and clicks Save: "Saved", or what went wrong.
QString fill_profile(ProfilesDialog& d, std::initializer_list<std::pair<const char*, QString>> fields) {
    for (const auto& [name, value] : fields) {
        auto* e = d.findChild<QLineEdit*>(QLatin1String(name));
        if (!e) return QString("no field ") + name;
        if (QLatin1String(name) == QLatin1String("name") && !e->text().isEmpty()) return "not a new profile";
        e->selectAll();
        QTest::keyClicks(e, value);
    }
    for (auto* b : d.findChildren<QPushButton*>())
        if (b->text() == "Save") QTest::mouseClick(b, Qt::LeftButton);
    return d.messageText().startsWith("Saved") ? QString("Saved") : d.messageText();
}

} // namespace

class TestSubmitDialog : public QObject {
    Q_OBJECT
    TempDir dir_;
    jobs::NewJob job_;

private slots:
    void initTestCase() {
        const auto r = synth(dir_ / "scan.h5", 40, 1024, 4e6, 3);
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        job_.input = dir_ / "scan.h5";
        job_.dataset = kRawData.toStdString();
        job_.recipe_json = full_recipe();
        // No site profiles unless a test writes some.
        qputenv("SLUICE_SITE_PROFILES", QByteArray::fromStdString((dir_ / "no-site.json").string()));
    }

    void previewIsTheScriptThatWouldBeSubmitted() {
        H5Service h5;
        SubmitDialog d(h5, profiles_file(dir_, "hpc.json", {hpc()}), job_);
        d.show();
        // The state, not the signal: a plan may be ready before anyone could listen (even in the
        // constructor).
        QTRY_VERIFY2_WITH_TIMEOUT(d.plan().has_value(), qPrintable(d.messageText()), 20000);
        const auto script = d.scriptText();
        QCOMPARE(script, QString::fromStdString(d.plan()->script));
        const auto sha = QString::fromStdString(sha256_file(dir_ / "scan.h5").value());
        for (const auto& line :
             {QString("#SBATCH --partition=short"), QString("#SBATCH --time=01:00:00"),
              QString("#SBATCH --ntasks-per-node=8"), "'--source-sha256' '" + sha + "'",
              QString("module 'load' 'sluice/1.0'"),
              // The profile's script additions (docs/CLUSTER.md).
              QString("#SBATCH --constraint=haswell\n"), QString("eval 'source /opt/site/env.sh'\n")})
            QVERIFY2(script.contains(line), qPrintable(line + " not in:\n" + script));
        QVERIFY(submit_button(d)->isEnabled());
        QVERIFY2(d.messageText().contains("scan-filtered-000.h5"), qPrintable(d.messageText()));
        // Beside the script, the recipe.json it runs: the filters in words, then the JSON itself.
        auto* recipe = d.findChild<QPlainTextEdit*>("submit_recipe");
        QVERIFY(recipe);
        QVERIFY2(recipe->toPlainText().startsWith("low-pass 300 kHz"), qPrintable(recipe->toPlainText()));
        QVERIFY(recipe->toPlainText().endsWith(QString::fromStdString(d.plan()->record.recipe_json)));
    }

    void badValuesDisableSubmitWithTheReason() {
        H5Service h5;
        SubmitDialog d(h5, profiles_file(dir_, "hpc.json", {hpc()}), job_);
        d.show();
        QTRY_VERIFY2_WITH_TIMEOUT(d.plan().has_value(), qPrintable(d.messageText()), 20000);
        auto* walltime = edit_with_placeholder(d, "HH:MM:SS or D-HH:MM:SS");
        QVERIFY(walltime);
        walltime->selectAll();
        QTest::keyClicks(walltime, "00:01:00");
        QTRY_VERIFY_WITH_TIMEOUT(!d.plan().has_value() && d.messageText().contains("too short"), 20000);
        QVERIFY(!submit_button(d)->isEnabled());
        walltime->selectAll();
        QTest::keyClicks(walltime, "02:00:00");
        QTRY_VERIFY_WITH_TIMEOUT(d.plan().has_value(), 20000);
        QVERIFY(d.scriptText().contains("#SBATCH --time=02:00:00"));
        QVERIFY(submit_button(d)->isEnabled());
    }

    void withoutProfilesItSaysHowToAddOne() {
        H5Service h5;
        SubmitDialog d(h5, QString::fromStdString((dir_ / "none.json").string()), job_);
        QVERIFY(d.messageText().contains("Add cluster"));
        QVERIFY(d.messageText().contains("sluice-cli profile add"));
        QVERIFY(!submit_button(d)->isEnabled());
    }

    void siteProfilesAreListedAfterTheUsers() {
        auto site = hpc();
        site.name = "site-hpc";
        profiles_file(dir_, "site.json", {site});
        qputenv("SLUICE_SITE_PROFILES", QByteArray::fromStdString((dir_ / "site.json").string()));
        H5Service h5;
        SubmitDialog d(h5, profiles_file(dir_, "mine.json", {hpc()}), job_);
        qputenv("SLUICE_SITE_PROFILES", QByteArray::fromStdString((dir_ / "no-site.json").string()));
        auto* combo = d.findChild<QComboBox*>("submit_profile");
        QVERIFY(combo);
        QCOMPARE(combo->count(), 2); // "local" is Run on This Computer, not a cluster here
        QCOMPARE(combo->itemText(0), QString("hpc"));
        QCOMPARE(combo->itemText(1), QString("site-hpc"));
    }

    // With no profile at all: Add cluster… opens the profiles dialog on a new profile; the one typed and
    // saved there is written to the user's file, listed, selected and planned for.
    void addClusterAddsAndSelectsTheProfile() {
        H5Service h5;
        const auto file = QString::fromStdString((dir_ / "added.json").string());
        SubmitDialog d(h5, file, job_);
        d.show();
        auto* combo = d.findChild<QComboBox*>("submit_profile");
        QVERIFY(combo);
        QCOMPARE(combo->count(), 0);
        QString filled;
        // Runs inside the profiles dialog's own event loop, once it is the modal window; the dialog is
        // closed whatever happens, so a failure cannot leave the test waiting in it.
        QTimer::singleShot(0, &d, [&] {
            auto* pd = qobject_cast<ProfilesDialog*>(QApplication::activeModalWidget());
            if (!pd) return;
            filled = fill_profile(*pd, {{"name", "new-hpc"},
                                        {"host", "login.new.example.org"},
                                        {"scratch", "/scratch/me"},
                                        {"partition", "debug"},
                                        {"walltime", "00:30:00"},
                                        {"engine", "/opt/sluice/bin/sluice-engine"}});
            pd->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Close)->click();
        });
        QTest::mouseClick(d.findChild<QPushButton*>("add_cluster"), Qt::LeftButton);
        QCOMPARE(filled, QString("Saved"));
        QCOMPARE(combo->currentText(), QString("new-hpc"));
        QTRY_VERIFY2_WITH_TIMEOUT(d.plan().has_value(), qPrintable(d.messageText()), 20000);
        QCOMPARE(d.profile()->name, std::string("new-hpc"));
        QVERIFY2(d.scriptText().contains("#SBATCH --partition=debug"), qPrintable(d.scriptText()));
        QCOMPARE(jobs::load_profiles(file.toStdString()).value().size(), std::size_t(1));
        // A second one is selected too, the first still listed.
        filled.clear();
        QTimer::singleShot(0, &d, [&] {
            auto* pd = qobject_cast<ProfilesDialog*>(QApplication::activeModalWidget());
            if (!pd) return;
            filled = fill_profile(*pd, {{"name", "other"},
                                        {"host", "other.example.org"},
                                        {"scratch", "/scratch/me"},
                                        {"engine", "/opt/sluice/bin/sluice-engine"}});
            pd->accept();
        });
        QTest::mouseClick(d.findChild<QPushButton*>("add_cluster"), Qt::LeftButton);
        QCOMPARE(filled, QString("Saved"));
        QCOMPARE(combo->count(), 2);
        QCOMPARE(combo->currentText(), QString("other"));
    }
};

SLUICE_GUI_TEST_MAIN(TestSubmitDialog)
#include "test_submit_dialog.moc"
