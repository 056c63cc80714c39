#pragma once
// The login questions of the desktop app (docs/CLUSTER.md, "Logins in the app"): one dialog per prompt,
// titled with user@host:port, saying what the login is for and whether the last answer was refused.
// "Log In Later" cancels. A password question offers "Remember in the keychain" (docs/DESIGN.md §8),
// disabled with the reason when no keychain is reachable; one-time codes never offer it.
#include "remote/session_options.hpp"

#include <QDialog>
#include <QString>

class QCheckBox;
class QLineEdit;

namespace sluice::gui {

class JobsService;

class LoginDialog : public QDialog {
    Q_OBJECT
public:
    /// What is typed: shown as typed, hidden, or a hidden password that may be remembered.
    enum class Kind { visible, secret, password };

    LoginDialog(const QString& title, const QString& label, Kind kind, QWidget* parent = nullptr);

    [[nodiscard]] QString answer() const;
    /// The user ticked "Remember in the keychain" (always false where it is not offered).
    [[nodiscard]] bool remember() const;

private:
    QLineEdit* answer_;
    QCheckBox* remember_ = nullptr;
};

/// Every login question as a dialog over `parent`. A password the user asks to remember is reported to
/// `service`, which saves it once the server accepts it; other secrets go to libssh and are not kept.
[[nodiscard]] remote::SessionCallbacks loginDialogs(QWidget* parent, JobsService& service);

} // namespace sluice::gui
