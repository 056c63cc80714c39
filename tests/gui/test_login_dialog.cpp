// The login question dialog without a keychain (ctest gives it a session bus address that does not
// exist): "Remember in the keychain" is offered for passwords only, and disabled with the reason; a
// one-time code or a shown prompt never offers it (docs/DESIGN.md §8).
#include "gui_test_main.hpp"
#include "widgets/login_dialog.hpp"

#include <QCheckBox>
#include <QLineEdit>
#include <QPushButton>

using sluice::gui::LoginDialog;

class TestLoginDialog : public QObject {
    Q_OBJECT

private slots:
    void passwordOffersRememberButNoKeychainDisablesIt() {
        LoginDialog dialog("Log in to u@h:22", "Password for u@h:22:", LoginDialog::Kind::password);
        auto* remember = dialog.findChild<QCheckBox*>("login_remember");
        QVERIFY(remember);
        QVERIFY(!remember->isEnabled());
        QVERIFY2(remember->toolTip().startsWith("No password can be remembered: "),
                 qPrintable(remember->toolTip()));
        QCOMPARE(dialog.findChild<QLineEdit*>("login_answer")->echoMode(), QLineEdit::Password);
        remember->setChecked(true); // even if it were ticked somehow
        QVERIFY(!dialog.remember());
    }

    void codesAndShownPromptsNeverOfferIt() {
        LoginDialog code("Log in to u@h:22", "One-time password (OATH):", LoginDialog::Kind::secret);
        QVERIFY(!code.findChild<QCheckBox*>("login_remember"));
        QCOMPARE(code.findChild<QLineEdit*>("login_answer")->echoMode(), QLineEdit::Password);
        LoginDialog shown("Log in to u@h:22", "Token serial:", LoginDialog::Kind::visible);
        QVERIFY(!shown.findChild<QCheckBox*>("login_remember"));
        QCOMPARE(shown.findChild<QLineEdit*>("login_answer")->echoMode(), QLineEdit::Normal);
    }

    void logInAndLogInLater() {
        LoginDialog dialog("t", "Password:", LoginDialog::Kind::password);
        QTimer::singleShot(0, &dialog, [&] {
            dialog.findChild<QLineEdit*>("login_answer")->setText("typed");
            dialog.findChild<QPushButton*>("login_ok")->click();
        });
        QCOMPARE(dialog.exec(), int(QDialog::Accepted));
        QCOMPARE(dialog.answer(), QString("typed"));
        QTimer::singleShot(0, &dialog, [&] { dialog.findChild<QPushButton*>("login_later")->click(); });
        QCOMPARE(dialog.exec(), int(QDialog::Rejected));
    }
};

SLUICE_GUI_TEST_MAIN(TestLoginDialog)
#include "test_login_dialog.moc"
