#include "widgets/profile_actions.hpp"

#include "jobs/deploy_test.hpp"
#include "jobs/profile_check.hpp"
#include "services/h5_service.hpp"
#include "services/jobs_service.hpp"
#include "sluice/version.hpp"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace sluice::gui {

ProfileActions::ProfileActions(JobsService& service, ProfileFn profile, ProfileFn saved, QWidget* parent)
    : QWidget(parent), service_(service), profile_(std::move(profile)), saved_(std::move(saved)),
      test_button_(new QPushButton(tr("Test Connection"), this)),
      deploy_button_(new QPushButton(tr("Deploy Engine…"), this)),
      test_job_button_(new QPushButton(tr("Send Test Job"), this)),
      cancel_(new QPushButton(tr("Cancel"), this)), progress_(new QProgressBar(this)),
      output_(new QPlainTextEdit(this)), result_(new QLabel(this)) {
    test_button_->setObjectName("testConnection");
    deploy_button_->setObjectName("deployEngine");
    deploy_button_->setToolTip(
        tr("Build this app's sluice-engine on the login node against the cluster's MPI, "
           "HDF5 and FFTW, install it in your home there and record it in the profile "
           "(sluice-cli engine deploy)"));
    test_job_button_->setObjectName("sendTestJob");
    test_job_button_->setToolTip(tr("Filter a small synthetic file with 2 ranks through the cluster's "
                                    "scheduler on the deployed engine; the Jobs view follows it"));
    test_job_button_->hide(); // offered once a deploy succeeded
    cancel_->setObjectName("cancelAction");
    progress_->setObjectName("actionProgress");
    output_->setObjectName("actionOutput");
    result_->setObjectName("actionResult");
    test_button_->setToolTip(tr("Log in, find the scheduler, write into the scratch directory and start "
                                "sluice-engine as a job would (sluice-cli profile test)"));
    progress_->setRange(0, 0); // busy: how long a login or a check takes is not known
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(8);
    output_->setReadOnly(true);
    output_->setMaximumHeight(90);
    output_->setPlaceholderText(tr("What Test Connection finds is shown here."));
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(test_button_);
    buttons->addWidget(deploy_button_);
    buttons->addWidget(test_job_button_);
    buttons->addWidget(progress_, 1);
    buttons->addWidget(cancel_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(output_);
    layout->addWidget(result_);
    setBusy(false, {});

    connect(test_button_, &QPushButton::clicked, this, &ProfileActions::testConnection);
    connect(deploy_button_, &QPushButton::clicked, this, &ProfileActions::deployEngine);
    connect(test_job_button_, &QPushButton::clicked, this, &ProfileActions::sendTestJob);
    connect(cancel_, &QPushButton::clicked, this, &ProfileActions::cancel);
    connect(&service_, &JobsService::profileActionLine, this, &ProfileActions::line);
    connect(&service_, &JobsService::profileTestDone, this, &ProfileActions::done);
    connect(&service_, &JobsService::engineDeployed, this, &ProfileActions::deployed);
}

ProfileActions::~ProfileActions() {
    if (action_) service_.cancelProfileAction(action_);
}

void ProfileActions::setBusy(bool busy, const QString& what) {
    progress_->setVisible(busy);
    cancel_->setVisible(busy);
    cancel_->setEnabled(busy);
    test_button_->setEnabled(!busy);
    deploy_button_->setEnabled(!busy);
    test_job_button_->setEnabled(!busy);
    if (busy) result_->setText(what);
}

void ProfileActions::testConnection() {
    if (action_) return;
    const auto profile = profile_();
    if (!profile) return;
    profile_name_ = QString::fromStdString(profile->name);
    output_->clear();
    action_ = service_.testProfile(*profile);
    setBusy(true, tr("Testing %1…").arg(profile_name_));
}

void ProfileActions::deployEngine() {
    if (action_) return;
    const auto checked = profile_();
    if (!checked) return;
    const auto host = QString::fromStdString(checked->host);
    const auto answer = QMessageBox::question(
        this, tr("Deploy Engine"),
        tr("Build sluice-engine %1 on %2's login node and use it for the jobs of profile %3?\n\nThe build "
           "uses the profile's modules and environment, takes a few minutes (at most 30) and installs "
           "the engine in your home directory there. The profile is saved first.")
            .arg(QString::fromLatin1(sluice::version), host, QString::fromStdString(checked->name)),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Yes);
    if (answer != QMessageBox::Yes) return;
    const auto profile = saved_();
    if (!profile) return;
    profile_name_ = QString::fromStdString(profile->name);
    output_->clear();
    action_ = service_.deployEngine(*profile);
    setBusy(
        true,
        tr("Deploying sluice-engine %1 for %2…").arg(QString::fromLatin1(sluice::version), profile_name_));
}

void ProfileActions::cancel() {
    if (!action_) return;
    service_.cancelProfileAction(action_);
    // The worker answers at once between steps, or when a login question or its timeout ends; from now
    // on its lines are not shown.
    action_ = 0;
    setBusy(false, {});
    result_->setText(tr("Cancelled."));
    emit finished();
}

void ProfileActions::clear() {
    test_job_button_->hide();
    if (action_) cancel();
    output_->clear();
    result_->clear();
}

QString ProfileActions::outputText() const {
    return output_->toPlainText();
}

QString ProfileActions::resultText() const {
    return result_->text();
}

void ProfileActions::line(quint64 test, int level, const QString& text) {
    if (test != action_) return;
    using Level = jobs::CheckLine::Level;
    const auto mark = level == int(Level::ok)       ? QStringLiteral("✓ ")
                      : level == int(Level::detail) ? QStringLiteral("   ")
                                                    : QStringLiteral("! ");
    output_->appendPlainText(mark + text);
}

void ProfileActions::done(quint64 test, int engine, const QString& version, const QString& failure,
                          bool cancelled) {
    if (test != action_) return; // cancelled here already, or another dialog's
    action_ = 0;
    setBusy(false, {});
    const QString mine = QStringLiteral("sluice-engine %1").arg(QString::fromLatin1(sluice::version));
    using jobs::EngineFinding;
    QString why;
    if (cancelled) {
        result_->setText(tr("Cancelled."));
    } else if (engine == int(EngineFinding::found)) {
        result_->setText(tr("Everything works: %1 is ready for jobs.").arg(version));
    } else if (engine == int(EngineFinding::outdated)) {
        why = tr("The cluster's engine is %1, this app is %2.").arg(version, mine);
        result_->setText(why + " " + tr("Deploy Engine… puts the same version there."));
    } else if (engine == int(EngineFinding::missing)) {
        why = tr("No usable engine: %1").arg(failure);
        result_->setText(why + " " + tr("Deploy Engine… builds one there."));
    } else {
        result_->setText(tr("Failed: %1").arg(failure));
    }
    if (!why.isEmpty()) {
        deploy_button_->setDefault(true);
        deploy_button_->setFocus();
        emit engineNeeded(why);
    }
    emit finished();
}

void ProfileActions::deployed(quint64 deploy, const QString& engine, bool built, const QString& failure,
                              bool cancelled) {
    if (deploy != action_) return;
    action_ = 0;
    setBusy(false, {});
    deploy_button_->setDefault(false);
    if (cancelled) {
        result_->setText(tr("Cancelled. What was uploaded stays for the next deploy."));
    } else if (!failure.isEmpty()) {
        result_->setText(tr("Deploy failed: %1").arg(failure));
    } else {
        result_->setText((built ? tr("Built and installed %1; profile %2 now runs it.")
                                : tr("%1 was there already; profile %2 now runs it."))
                             .arg(engine, profile_name_) +
                         " " +
                         (h5_ ? tr("Send Test Job tries it on the cluster.")
                              : tr("Submit a job to try it on the cluster.")));
        test_job_button_->setVisible(h5_ != nullptr);
        emit engineDeployed(profile_name_, engine);
    }
    emit finished();
}

// Writing the file starts a local process and planning reads the file (on the H5Service's thread, as
// all HDF5 of the app): neither runs on the UI thread.
void ProfileActions::sendTestJob() {
    if (busy() || !h5_) return;
    const auto profile = saved_();
    if (!profile) return;
    profile_name_ = QString::fromStdString(profile->name);
    const auto dir = QFileInfo(service_.files().store)
                         .absoluteDir()
                         .filePath(QStringLiteral("deploy-tests/") +
                                   QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss-zzz"));
    preparing_ = true;
    setBusy(true, tr("Writing a small test file with this computer's engine…"));
    cancel_->setEnabled(false); // seconds at most; nothing has reached the cluster yet
    QtConcurrent::run([dir = dir.toStdString(), p = *profile] {
        return jobs::write_deploy_test(dir, p);
    }).then(this, [this, p = *profile](Result<jobs::NewJob> test) {
        if (!test) return testJobFailed(QString::fromStdString(test.error().message));
        h5_->planClusterJob(p, *test).then(this, [this, p](Result<jobs::JobPlan> plan) {
            if (!plan) return testJobFailed(QString::fromStdString(plan.error().message));
            const auto id = QString::fromStdString(plan->record.id);
            service_.submit(p, plan->record);
            preparing_ = false;
            setBusy(false, {});
            result_->setText(tr("Test job %1 sent to %2: 2 ranks filter a small synthetic file on the "
                                "deployed engine. The Jobs view follows it; Done means the engine works "
                                "there.")
                                 .arg(id, profile_name_));
            emit testJobSent(id);
        });
    });
}

void ProfileActions::testJobFailed(const QString& why) {
    preparing_ = false;
    setBusy(false, {});
    result_->setText(tr("No test job: %1").arg(why));
}

} // namespace sluice::gui
