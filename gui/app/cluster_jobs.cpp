#include "app/cluster_jobs.hpp"

#include "widgets/jobs_panel.hpp"
#include "widgets/profiles_dialog.hpp"
#include "widgets/submit_dialog.hpp"

#include <QAction>
#include <QDockWidget>
#include <QInputDialog>
#include <QMainWindow>
#include <QMessageBox>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace sluice::gui {
namespace {

std::optional<std::string> ask_secret(QWidget* parent, const QString& title, const QString& label) {
    bool ok = false;
    const auto answer = QInputDialog::getText(parent, title, label, QLineEdit::Password, {}, &ok);
    if (!ok) return std::nullopt;
    return answer.toStdString();
}

// Every login question as a dialog over the main window. Secrets are handed to libssh and not kept.
remote::SessionCallbacks dialogs(QWidget* parent) {
    remote::SessionCallbacks cb;
    cb.accept_host_key = [parent](const remote::UnknownHostKey& key) {
        return QMessageBox::question(
                   parent, QObject::tr("Unknown host"),
                   QObject::tr(
                       "Sluice has not seen %1 before. Its %2 key has the fingerprint\n\n%3\n\nCompare it "
                       "with the one your cluster's documentation gives. Trust it and remember it?")
                       .arg(QString::fromStdString(key.host), QString::fromStdString(key.key_type),
                            QString::fromStdString(key.sha256_fingerprint)),
                   QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes;
    };
    cb.key_passphrase = [parent](const std::filesystem::path& file) {
        return ask_secret(parent, QObject::tr("Key passphrase"),
                          QObject::tr("Passphrase for %1:").arg(QString::fromStdString(file.string())));
    };
    cb.password = [parent](const std::string& who, int attempt) {
        return ask_secret(parent, QObject::tr("Password"),
                          (attempt > 1 ? QObject::tr("That did not work. ") : QString()) +
                              QObject::tr("Password for %1:").arg(QString::fromStdString(who)));
    };
    cb.keyboard_interactive =
        [parent](const remote::KbdIntRound& round) -> std::optional<std::vector<std::string>> {
        std::vector<std::string> answers;
        const auto title = round.name.empty() ? QObject::tr("Login") : QString::fromStdString(round.name);
        for (const auto& p : round.prompts) {
            bool ok = false;
            const auto label =
                (round.instruction.empty() ? QString() : QString::fromStdString(round.instruction) + "\n") +
                QString::fromStdString(p.text);
            const auto a = QInputDialog::getText(parent, title, label,
                                                 p.echo ? QLineEdit::Normal : QLineEdit::Password, {}, &ok);
            if (!ok) return std::nullopt;
            answers.push_back(a.toStdString());
        }
        return answers;
    };
    return cb;
}

} // namespace

ClusterJobs::ClusterJobs(QMainWindow& window, H5Service& h5, InputsFn inputs, ClusterService::Files files)
    : QObject(&window), window_(window), h5_(h5), inputs_(std::move(inputs)),
      service_(new ClusterService(std::move(files), this)), panel_(new JobsPanel(*service_)),
      submit_(new QAction(tr("Submit to a &Cluster…"), this)),
      profiles_(new QAction(tr("Cluster &Profiles…"), this)) {
    service_->setPrompter(dialogs(&window_));
    auto* dock = new QDockWidget(tr("Cluster Jobs"), &window_);
    dock->setObjectName(QStringLiteral("jobsDock"));
    dock->setWidget(panel_);
    window_.addDockWidget(Qt::BottomDockWidgetArea, dock);
    // A few rows on a first start: the plots keep most of the height (a saved layout replaces this).
    window_.resizeDocks({dock}, {170}, Qt::Vertical);

    submit_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    submit_->setEnabled(false);
    connect(submit_, &QAction::triggered, this, &ClusterJobs::promptSubmit);
    connect(profiles_, &QAction::triggered, this, [this] {
        ProfilesDialog dialog(service_->files().profiles, &window_);
        dialog.exec();
    });
    panel_->addButton(submit_);
    connect(panel_, &JobsPanel::openResultRequested, this, &ClusterJobs::openResultRequested);
    connect(panel_, &JobsPanel::mergeRequested, this, &ClusterJobs::mergeRequested);
    connect(service_, &ClusterService::jobEnded, this, &ClusterJobs::notify);
}

void ClusterJobs::setRunnable(bool runnable) {
    submit_->setEnabled(runnable);
}

void ClusterJobs::promptSubmit() {
    const auto in = inputs_();
    if (!in) return;
    auto profiles = service_->profiles();
    if (!profiles) {
        QMessageBox::warning(&window_, tr("Cluster profiles"),
                             QString::fromStdString(profiles.error().message));
        return;
    }
    jobs::NewJob job;
    job.input = in->file.toStdString();
    job.dataset = in->dataset.toStdString();
    job.recipe_json = in->recipe_json.toStdString();
    SubmitDialog dialog(h5_, std::move(*profiles), std::move(job), &window_);
    if (dialog.exec() != QDialog::Accepted || !dialog.plan() || !dialog.profile()) return;
    service_->submit(*dialog.profile(), dialog.plan()->record);
    window_.statusBar()->showMessage(
        tr("Submitting %1 to %2…").arg(in->dataset, QString::fromStdString(dialog.profile()->name)), 10000);
}

void ClusterJobs::notify(const QString& id, const QString& state, const QString& message) {
    const auto title = tr("Sluice job %1 %2").arg(id, state);
    window_.statusBar()->showMessage(title + ": " + message, 15000);
    // A desktop notification when there is a tray (the freedesktop service behind it), so that a job
    // finishing hours later is noticed; otherwise the status bar says it.
    if (!QSystemTrayIcon::isSystemTrayAvailable()) return;
    if (!tray_) {
        tray_ = new QSystemTrayIcon(window_.windowIcon(), this);
        tray_->show();
    }
    tray_->showMessage(title, message,
                       state == QLatin1String("done") ? QSystemTrayIcon::Information
                                                      : QSystemTrayIcon::Warning);
}

} // namespace sluice::gui
