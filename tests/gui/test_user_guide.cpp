// Help → User Guide: the guide from this source tree (the installed copy when the app is installed),
// rendered with its screenshots, in one window however often it is asked for.
#include "app/main_window.hpp"
#include "app/user_guide.hpp"
#include "gui_test_main.hpp"

#include <QAction>
#include <QDialog>
#include <QTextBrowser>

using namespace sluice::gui;

class TestUserGuide : public QObject {
    Q_OBJECT

    static QAction* guide_action(MainWindow& w) {
        for (auto* a : w.findChildren<QAction*>())
            if (a->text() == QStringLiteral("&User Guide")) return a;
        return nullptr;
    }

private slots:
    void helpMenuShowsTheGuideWithItsScreenshots() {
        QVERIFY2(user_guide_path().endsWith(QStringLiteral("/USER_GUIDE.md")), qPrintable(user_guide_path()));
        MainWindow w;
        w.show();
        auto* action = guide_action(w);
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(QKeySequence::HelpContents));
        action->trigger();
        auto* text = w.findChild<QTextBrowser*>(QStringLiteral("userGuideText"));
        QVERIFY(text);
        const auto plain = text->toPlainText();
        // Rendered as Markdown: headings without their # marks.
        QVERIFY2(plain.startsWith(QStringLiteral("Sluice user guide")), qPrintable(plain.left(80)));
        QVERIFY(plain.contains(QStringLiteral("Put the engine on the cluster")));
        QVERIFY(!plain.contains(QStringLiteral("## ")));
        // The screenshots resolve beside the guide.
        const auto image =
            text->loadResource(QTextDocument::ImageResource, QUrl(QStringLiteral("images/main-window.png")));
        QVERIFY2(image.isValid() && !image.toByteArray().isEmpty(), "images/main-window.png did not load");

        action->trigger();
        QCOMPARE(w.findChildren<QDialog*>(QStringLiteral("userGuide")).size(), 1);
    }
};

SLUICE_GUI_TEST_MAIN(TestUserGuide)
#include "test_user_guide.moc"
