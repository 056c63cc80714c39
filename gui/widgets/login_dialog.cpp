#include "widgets/login_dialog.hpp"

#include "services/jobs_service.hpp"
#include "services/keychain.hpp"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace sluice::gui {
namespace {

QString purpose(const std::string& why) {
    return why.empty() ? QString()
                       : QObject::tr("Sluice logs in %1.").arg(QString::fromStdString(why)) + "\n\n";
}

std::optional<std::string> ask(QWidget* parent, const QString& title, const QString& label,
                               LoginDialog::Kind kind, bool* remember = nullptr) {
    LoginDialog dialog(title, label, kind, parent);
    if (dialog.exec() != QDialog::Accepted) return std::nullopt;
    if (remember) *remember = dialog.remember();
    return dialog.answer().toStdString();
}

} // namespace

LoginDialog::LoginDialog(const QString& title, const QString& label, Kind kind, QWidget* parent)
    : QDialog(parent), answer_(new QLineEdit(this)) {
    setObjectName(QStringLiteral("login_dialog"));
    setWindowTitle(title);
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(label, this);
    text->setObjectName(QStringLiteral("login_question"));
    text->setWordWrap(true);
    layout->addWidget(text);
    answer_->setObjectName(QStringLiteral("login_answer"));
    answer_->setEchoMode(kind == Kind::visible ? QLineEdit::Normal : QLineEdit::Password);
    layout->addWidget(answer_);
    if (kind == Kind::password) {
        remember_ = new QCheckBox(tr("&Remember in the keychain"), this);
        remember_->setObjectName(QStringLiteral("login_remember"));
        const auto why_not = keychain::unavailableReason();
        remember_->setEnabled(why_not.isEmpty());
        remember_->setToolTip(why_not.isEmpty()
                                  ? tr("Saved in the system keychain once the server accepts it, "
                                       "and tried first at the next login.")
                                  : why_not);
        layout->addWidget(remember_);
    }
    auto* buttons = new QDialogButtonBox(this);
    auto* ok = buttons->addButton(tr("Log In"), QDialogButtonBox::AcceptRole);
    ok->setObjectName(QStringLiteral("login_ok"));
    ok->setDefault(true);
    auto* later = buttons->addButton(tr("Log In Later"), QDialogButtonBox::RejectRole);
    later->setObjectName(QStringLiteral("login_later"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    answer_->setFocus();
}

QString LoginDialog::answer() const {
    return answer_->text();
}

bool LoginDialog::remember() const {
    return remember_ && remember_->isEnabled() && remember_->isChecked();
}

remote::SessionCallbacks loginDialogs(QWidget* parent, JobsService& service) {
    remote::SessionCallbacks cb;
    cb.accept_host_key = [parent](const remote::UnknownHostKey& key) {
        return QMessageBox::question(
                   parent, QObject::tr("Unknown host %1").arg(QString::fromStdString(key.host)),
                   purpose(key.why) +
                       QObject::tr(
                           "Sluice has not seen %1 before. Its %2 key has the fingerprint\n\n%3\n\nCompare "
                           "it "
                           "with the one your cluster's documentation gives. Trust it and remember it?")
                           .arg(QString::fromStdString(key.host), QString::fromStdString(key.key_type),
                                QString::fromStdString(key.sha256_fingerprint)),
                   QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes;
    };
    cb.key_passphrase = [parent](const std::filesystem::path& file) {
        return ask(parent, QObject::tr("Key passphrase"),
                   QObject::tr("Passphrase for %1:").arg(QString::fromStdString(file.string())),
                   LoginDialog::Kind::secret);
    };
    // `who` is "user@host:port (profile P, to …)": see jobs::ClusterClient.
    cb.password = [parent, &service](const std::string& who, int attempt) {
        bool remember = false;
        auto answer = ask(
            parent, QObject::tr("Log in to %1").arg(QString::fromStdString(who)),
            (attempt > 1 ? QObject::tr("That password was not accepted — try again.") + "\n\n" : QString()) +
                QObject::tr("Password for %1:").arg(QString::fromStdString(who)),
            LoginDialog::Kind::password, &remember);
        service.rememberAnswer(answer && remember);
        return answer;
    };
    // Keyboard-interactive prompts mix passwords with one-time codes: none of them is remembered.
    cb.keyboard_interactive =
        [parent](const remote::KbdIntRound& round) -> std::optional<std::vector<std::string>> {
        std::vector<std::string> answers;
        const auto title = QObject::tr("Log in to %1").arg(QString::fromStdString(round.who));
        for (const auto& p : round.prompts) {
            QString label = purpose(round.why);
            if (round.attempt > 1)
                label +=
                    QObject::tr("The last answers were not accepted (a mistyped password, or a code that "
                                "had expired?) — try again.") +
                    "\n\n";
            if (!round.instruction.empty()) label += QString::fromStdString(round.instruction) + "\n";
            label += QString::fromStdString(p.text);
            auto a =
                ask(parent, title, label, p.echo ? LoginDialog::Kind::visible : LoginDialog::Kind::secret);
            if (!a) return std::nullopt;
            answers.push_back(std::move(*a));
        }
        return answers;
    };
    return cb;
}

} // namespace sluice::gui
