// The submit dialog on the offscreen platform: the script preview is the job script shared/jobs would
// submit, every edit re-plans it, and bad values disable Submit with the reason shown.
#include "common/engine_cases.hpp"
#include "gui_test_main.hpp"
#include "services/h5_service.hpp"
#include "util/sha256.hpp"
#include "widgets/submit_dialog.hpp"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>

using namespace sluice;
using namespace sluice::test;
using sluice::gui::H5Service;
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
    }

    void previewIsTheScriptThatWouldBeSubmitted() {
        H5Service h5;
        SubmitDialog d(h5, {hpc()}, job_);
        d.show();
        // The state, not the signal: a plan may be ready before anyone could listen (even in the
        // constructor).
        QTRY_VERIFY2_WITH_TIMEOUT(d.plan().has_value(), qPrintable(d.messageText()), 20000);
        const auto script = d.scriptText();
        QCOMPARE(script, QString::fromStdString(d.plan()->script));
        const auto sha = QString::fromStdString(sha256_file(dir_ / "scan.h5").value());
        for (const auto& line : {QString("#SBATCH --partition=short"), QString("#SBATCH --time=01:00:00"),
                                 QString("#SBATCH --ntasks-per-node=8"), "'--source-sha256' '" + sha + "'",
                                 QString("module 'load' 'sluice/1.0'")})
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
        SubmitDialog d(h5, {hpc()}, job_);
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
        SubmitDialog d(h5, {}, job_);
        QVERIFY(d.messageText().contains("sluice-cli profile add"));
        QVERIFY(!submit_button(d)->isEnabled());
    }
};

SLUICE_GUI_TEST_MAIN(TestSubmitDialog)
#include "test_submit_dialog.moc"
