// The cluster profiles dialog on the offscreen platform: what is typed ends up in profiles.json exactly
// as sluice-cli reads it, and invalid values are refused with the field named, leaving the file as it was.
#include "gui_test_main.hpp"
#include "jobs/profiles_file.hpp"
#include "widgets/profiles_dialog.hpp"

#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

using namespace sluice;
using sluice::gui::ProfilesDialog;
namespace fs = std::filesystem;

namespace {

void type(ProfilesDialog& d, const char* field, const QString& value) {
    auto* e = d.findChild<QLineEdit*>(QLatin1String(field));
    QVERIFY2(e, field);
    e->selectAll();
    QTest::keyClicks(e, value);
}

void click(ProfilesDialog& d, const QString& label) {
    for (auto* b : d.findChildren<QPushButton*>())
        if (b->text() == label) return QTest::mouseClick(b, Qt::LeftButton);
    QFAIL(qPrintable("no button " + label));
}

std::vector<jobs::ClusterProfile> stored(const fs::path& file) {
    return jobs::load_profiles(file).value();
}

} // namespace

class TestProfilesDialog : public QObject {
    Q_OBJECT
    test::TempDir dir_;

private slots:
    void typedProfileIsSavedAsTheCliReadsIt() {
        const auto file = dir_ / "profiles.json";
        ProfilesDialog d(QString::fromStdString(file.string()));
        d.show();
        type(d, "name", "hpc");
        type(d, "host", "login.hpc.example.org");
        type(d, "user", "alice");
        type(d, "scratch", "/scratch/alice");
        type(d, "partition", "short");
        type(d, "walltime", "02:00:00");
        d.findChild<QSpinBox*>("tasks")->setValue(32);
        d.findChild<QSpinBox*>("transferStreams")->setValue(4);
        auto* modules = d.findChild<QPlainTextEdit*>("modules");
        QTest::keyClicks(modules, "load hdf5/1.10");
        QTest::keyClick(modules, Qt::Key_Return);
        QTest::keyClicks(modules, "load fftw");
        type(d, "engine", "/opt/sluice/bin/sluice-engine");
        click(d, "Save");
        QVERIFY2(d.messageText().startsWith("Saved"), qPrintable(d.messageText()));
        const auto all = stored(file);
        QCOMPARE(all.size(), std::size_t(1));
        const auto& p = all.front();
        QCOMPARE(p.name, std::string("hpc"));
        QCOMPARE(p.user, std::string("alice"));
        QVERIFY(!p.port.has_value());
        QCOMPARE(p.resources.partition, std::string("short"));
        QCOMPARE(p.resources.tasks_per_node, 32);
        QCOMPARE(p.transfer_streams, 4);
        QCOMPARE(p.modules, (std::vector<std::string>{"load hdf5/1.10", "load fftw"}));
        QCOMPARE(p.engine.kind, jobs::EngineCommand::Kind::path);
        QCOMPARE(p.engine.value, std::string("/opt/sluice/bin/sluice-engine"));
    }

    void invalidValuesAreRefusedAndNothingIsWritten() {
        const auto file = dir_ / "profiles.json";
        const auto before = stored(file);
        ProfilesDialog d(QString::fromStdString(file.string()));
        d.show();
        QCOMPARE(d.profiles().size(), before.size()); // the existing profile is listed and shown
        QCOMPARE(d.findChild<QLineEdit*>("host")->text(), QString("login.hpc.example.org"));
        type(d, "partition", "short$(reboot)");
        click(d, "Save");
        QVERIFY2(d.messageText().contains("partition"), qPrintable(d.messageText()));
        QCOMPARE(stored(file).front().resources.partition, std::string("short"));
        // A second profile with a name that is taken is refused too.
        click(d, "New");
        type(d, "name", "hpc");
        type(d, "host", "other");
        type(d, "scratch", "/tmp");
        click(d, "Save");
        QVERIFY2(!d.messageText().startsWith("Saved"), qPrintable(d.messageText()));
        QCOMPARE(stored(file).size(), std::size_t(1));
    }

    void editAndRemove() {
        const auto file = dir_ / "profiles.json";
        ProfilesDialog d(QString::fromStdString(file.string()));
        d.show();
        type(d, "walltime", "1-00:00:00");
        click(d, "Save");
        QCOMPARE(stored(file).front().resources.walltime, std::string("1-00:00:00"));
        click(d, "Remove");
        QVERIFY(stored(file).empty());
    }
};

SLUICE_GUI_TEST_MAIN(TestProfilesDialog)
#include "test_profiles_dialog.moc"
