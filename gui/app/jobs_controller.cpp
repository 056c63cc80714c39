#include "app/jobs_controller.hpp"

#include "jobs/local_profile.hpp"
#include "jobs/profiles_file.hpp"
#include "models/jobs_model.hpp"
#include "qstring_from.hpp"
#include "services/desktop_notifier.hpp"
#include "services/h5_service.hpp"
#include "services/merge_runner.hpp"
#include "widgets/jobs_view.hpp"
#include "widgets/login_dialog.hpp"
#include "widgets/profile_actions.hpp"
#include "widgets/profiles_dialog.hpp"
#include "widgets/submit_dialog.hpp"

#include <QAction>
#include <QActionGroup>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <unistd.h>

namespace sluice::gui {
namespace {

const QString kResultsFolderKey = QStringLiteral("results/folder");

} // namespace

JobsController::JobsController(QMainWindow& window, H5Service& h5, InputsFn inputs, JobsService::Files files)
    : QObject(&window), window_(window), h5_(h5), inputs_(std::move(inputs)),
      service_(new JobsService(std::move(files), this)), view_(new JobsView(*service_)),
      merge_(new MergeRunner(this)), run_here_(new QAction(tr("Run on This &Computer"), this)),
      submit_(new QAction(tr("Submit to a &Cluster…"), this)),
      profiles_(new QAction(tr("Cluster &Profiles…"), this)), notifier_(new DesktopNotifier(this)) {
    service_->setPrompter(loginDialogs(&window_, *service_));
    connect(service_, &JobsService::keychainNote, this, &JobsController::message);
    auto* dock = new QDockWidget(tr("Jobs"), &window_);
    dock->setObjectName(QStringLiteral("jobsDock"));
    dock->setWidget(view_);
    window_.addDockWidget(Qt::BottomDockWidgetArea, dock);
    // A few rows on a first start: the plots keep most of the height (a saved layout replaces this).
    window_.resizeDocks({dock}, {190}, Qt::Vertical);

    run_here_->setObjectName(QStringLiteral("run_here"));
    run_here_->setShortcut(QKeySequence(Qt::ALT | Qt::Key_R));
    submit_->setObjectName(QStringLiteral("submit_cluster"));
    submit_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    for (auto* a : {run_here_, submit_})
        a->setEnabled(false);
    connect(run_here_, &QAction::triggered, this, &JobsController::runHere);
    connect(submit_, &QAction::triggered, this, &JobsController::promptSubmit);
    connect(profiles_, &QAction::triggered, this, [this] {
        ProfilesDialog dialog(service_->files().profiles, &window_);
        dialog.setJobsService(service_, &h5_);
        // The test job is followed in the Jobs view, selected once listed.
        connect(dialog.actions(), &ProfileActions::testJobSent, this, [this](const QString& id) {
            emit message(tr("Test job %1 sent; the Jobs view follows it.").arg(id));
            selectWhenListed(id);
        });
        dialog.exec();
    });
    view_->addAction(submit_);
    view_->addAction(run_here_);
    connect(view_, &JobsView::compareRequested, this, [this](const QString& id) {
        if (const auto job = service_->job(id)) emit compareRequested(*job);
    });
    connect(view_, &JobsView::mergeRequested, this, &JobsController::confirmMerge);
    connect(service_, &JobsService::jobEnded, this, &JobsController::notify);
    // "Open Result" in a notification: the result beside its source, the window in front.
    connect(notifier_, &DesktopNotifier::openRequested, this, [this](const QString& id) {
        const auto job = service_->job(id);
        if (!job) return;
        window_.showNormal();
        window_.raise();
        window_.activateWindow();
        view_->selectJob(id);
        emit compareRequested(*job);
    });
    // A lasting line while a cluster waits for a login (the Jobs view has the button).
    auto* login_status = new QLabel(&window_);
    login_status->setObjectName(QStringLiteral("login_status"));
    login_status->hide();
    window_.statusBar()->addPermanentWidget(login_status);
    connect(service_, &JobsService::problemsChanged, login_status, [this, login_status] {
        const auto waiting = service_->needingLogin();
        login_status->setVisible(!waiting.isEmpty());
        login_status->setText(tr("Not logged in: %1").arg(waiting.join(QStringLiteral(", "))));
    });
    connect(service_, &JobsService::actionFailed, this, [this](const QString& id, const QString& text) {
        emit message(id.isEmpty() ? text : tr("Job %1: %2").arg(id, text));
    });
}

void JobsController::setRunnable(bool runnable, const QString& why) {
    for (auto* a : {run_here_, submit_}) {
        a->setEnabled(runnable);
        a->setToolTip(runnable ? QString() : why);
        a->setStatusTip(runnable ? QString() : why);
    }
}

QString JobsController::resultsFolder() const {
    return QSettings().value(kResultsFolderKey).toString();
}

void JobsController::setResultsFolder(const QString& folder) {
    QSettings().setValue(kResultsFolderKey, folder);
}

void JobsController::addResultsMenu(QMenu* menu) {
    auto* group = new QActionGroup(menu);
    auto* beside = menu->addAction(tr("Results &Beside the Source"));
    auto* chosen = menu->addAction(tr("Results in a &Folder…"));
    for (auto* a : {beside, chosen}) {
        a->setCheckable(true);
        group->addAction(a);
    }
    const auto update = [this, beside, chosen] {
        const auto folder = resultsFolder();
        beside->setChecked(folder.isEmpty());
        chosen->setChecked(!folder.isEmpty());
        chosen->setText(folder.isEmpty() ? tr("Results in a &Folder…") : tr("Results in %1…").arg(folder));
    };
    update();
    connect(beside, &QAction::triggered, this, [this, update] {
        setResultsFolder({});
        update();
    });
    connect(chosen, &QAction::triggered, this, [this, update] {
        const auto dir =
            QFileDialog::getExistingDirectory(&window_, tr("Folder for Results"), resultsFolder());
        if (!dir.isEmpty()) setResultsFolder(dir);
        update();
    });
}

std::optional<QString> JobsController::outputFolderFor(const QString& source) {
    QString folder = resultsFolder();
    if (folder.isEmpty()) folder = QFileInfo(source).absolutePath();
    if (::access(QFile::encodeName(folder).constData(), W_OK) == 0)
        return folder == QFileInfo(source).absolutePath() ? QString() : folder;
    // A read-only folder (a shared data disk, a CD): ask for another instead of failing later.
    QMessageBox::information(&window_, tr("Results Folder"),
                             tr("Sluice cannot write in %1. Choose a folder for the results.").arg(folder));
    const auto dir = QFileDialog::getExistingDirectory(&window_, tr("Folder for Results"), QDir::homePath());
    if (dir.isEmpty()) return std::nullopt;
    setResultsFolder(dir);
    return dir;
}

void JobsController::runHere() {
    const auto in = inputs_();
    if (!in) return;
    auto folder = outputFolderFor(in->file);
    if (!folder) return;
    auto here = jobs::local_profile();
    if (!here)
        return emit error(tr("Cannot run"), tr("The run on this computer did not start."),
                          q(here.error().message));
    if (jobs::find_local_engine().empty())
        return emit error(
            tr("Cannot run"), tr("The run on this computer did not start."),
            tr("Sluice cannot find sluice-engine: install it next to sluice or on the PATH, or set "
               "SLUICE_ENGINE to its path."));
    jobs::NewJob job;
    job.profile = here->name;
    job.input = in->file.toStdString();
    job.dataset = in->dataset.toStdString();
    job.recipe_json = in->recipe_json.toStdString();
    job.output_dir = folder->toStdString();
    emit message(tr("Starting %1 on this computer…").arg(in->dataset));
    h5_.planClusterJob(*here, job).then(this, [this, profile = *here](Result<jobs::JobPlan> plan) {
        if (!plan)
            return emit error(tr("Cannot run"), tr("The run on this computer did not start."),
                              q(plan.error().message));
        service_->submit(profile, plan->record);
        emit message(tr("Filtering into %1…").arg(QFileInfo(q(plan->record.local_output)).fileName()));
        selectWhenListed(q(plan->record.id));
    });
}

void JobsController::selectWhenListed(const QString& id) {
    auto* once = new QObject(this);
    connect(service_, &JobsService::jobsChanged, once, [this, id, once] {
        if (!service_->job(id)) return;
        view_->selectJob(id);
        once->deleteLater();
    });
}

void JobsController::promptSubmit() {
    const auto in = inputs_();
    if (!in) return;
    jobs::NewJob job;
    job.input = in->file.toStdString();
    job.dataset = in->dataset.toStdString();
    job.recipe_json = in->recipe_json.toStdString();
    job.output_dir = resultsFolder().toStdString();
    SubmitDialog dialog(h5_, service_->files().profiles, std::move(job), &window_);
    dialog.setJobsService(service_); // its scaling studies suggest resources
    if (dialog.exec() != QDialog::Accepted || !dialog.plan() || !dialog.profile()) return;
    service_->submit(*dialog.profile(), dialog.plan()->record);
    emit message(tr("Submitting %1 to %2…").arg(in->dataset, q(dialog.profile()->name)));
}

// Merging rewrites the user's source file, so say exactly what changes before doing it.
void JobsController::confirmMerge(const QString& id) {
    const auto job = service_->job(id);
    if (!job) return;
    if (!job->merged_into.empty())
        return emit message(tr("Job %1 is already merged into %2.").arg(id, q(job->merged_into)));
    const QString source = q(job->local_input), result = q(job->local_output);
    const QString src = QFileInfo(source).fileName();
    const QString group = tr("the results group of %1").arg(QFileInfo(result).fileName());
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Merge into Source"), tr("Add %1 to “%2”?").arg(group, src),
                        QMessageBox::Yes | QMessageBox::Cancel, &window_);
    box->setObjectName(QStringLiteral("mergeConfirm"));
    box->setInformativeText(
        tr("%1 will be copied into %2 (numbered _NNN one higher if that name is taken by then), "
           "with links to %2's own position and spectroscopic datasets. Nothing already in %2 "
           "changes. The file is replaced in one step by an updated copy, so it needs free "
           "space for a full copy.")
            .arg(group, source));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, id, result, source] {
        if (box->clickedButton() != box->button(QMessageBox::Yes)) return;
        auto* merge = merge_;
        auto* once = new QObject(this);
        connect(merge, &MergeRunner::finished, once,
                [this, id, source, once](bool ok, const QString& text, const QString& g) {
                    once->deleteLater();
                    emit message(text);
                    if (ok)
                        service_->markMerged(id, tr("%1 as %2").arg(QFileInfo(source).fileName(), g));
                    else
                        emit error(tr("Merge"), tr("The merge did not happen."), text);
                });
        if (auto ok = merge->start(result, source); !ok) {
            once->deleteLater();
            emit error(tr("Merge"), tr("The merge did not start."), q(ok.error().message));
        } else {
            emit message(tr("Merging…"));
        }
    });
    box->open();
}

void JobsController::notify(const QString& id, const QString& state, const QString& message) {
    const auto title =
        tr("Sluice job %1: %2")
            .arg(id,
                 JobsModel::stateText(state, service_->job(id) ? q(service_->job(id)->profile) : QString()));
    emit this->message(title + " — " + message);
    // A desktop notification, so that a job finishing hours later is noticed: the desktop's
    // notification service (with "Open Result"), else the tray; the job's row says it either way.
    const auto job = service_->job(id);
    const bool result = state == QLatin1String("done") && job && !job->local_output.empty();
    if (notifier_->notify(title, message, result ? id : QString(), state != QLatin1String("done"))) return;
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
