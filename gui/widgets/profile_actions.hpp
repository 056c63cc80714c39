#pragma once
// The profiles dialog's actions on a cluster: Test Connection (sluice-cli profile test) and Deploy
// Engine… (sluice-cli engine deploy), run on JobsService's worker thread with the app's logins. Each
// shows a busy bar, its lines as they come and a Cancel; the test's result says what was found of the
// engine and offers the deploy when it is missing or another version. After a deploy, Send Test Job
// submits the deployed engine's first job (jobs/deploy_test.hpp) into the Jobs view.
#include "jobs/profile.hpp"

#include <QString>
#include <QWidget>
#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace sluice::gui {

class H5Service;
class JobsService;

class ProfileActions : public QWidget {
    Q_OBJECT
public:
    using ProfileFn = std::function<std::optional<jobs::ClusterProfile>()>;
    /// `profile` gives the dialog's current profile, checked; `saved` saves it first (a deploy records
    /// the engine in the saved profile). nullopt: the dialog said why.
    ProfileActions(JobsService& service, ProfileFn profile, ProfileFn saved, QWidget* parent = nullptr);
    ~ProfileActions() override; ///< cancels a test or deploy still running

    void testConnection();
    /// Asks first (the build takes minutes on the login node), then builds and records the engine.
    void deployEngine();
    void cancel();
    /// With the app's H5Service (which plans jobs: planning reads the input file), a deploy offers
    /// Send Test Job.
    void setPlanner(H5Service* h5) { h5_ = h5; }
    /// The deployed engine's first job: a synthetic file written here, filtered with 2 ranks through the
    /// cluster's scheduler, submitted and then followed in the Jobs view like every job.
    void sendTestJob();
    [[nodiscard]] bool busy() const { return action_ != 0 || preparing_; }
    [[nodiscard]] QString outputText() const;
    [[nodiscard]] QString resultText() const;
    /// Forget the last result (another profile is shown).
    void clear();

signals:
    /// The test found no engine, or another version: the dialog offers to deploy one.
    void engineNeeded(const QString& why);
    void finished();
    /// A deploy recorded `engine` in the saved profile: the dialog shows it.
    void engineDeployed(const QString& profile, const QString& engine);
    /// Send Test Job submitted job `id`.
    void testJobSent(const QString& id);

private:
    void line(quint64 test, int level, const QString& text);
    void done(quint64 test, int engine, const QString& version, const QString& failure, bool cancelled);
    void deployed(quint64 deploy, const QString& engine, bool built, const QString& failure, bool cancelled);
    void setBusy(bool busy, const QString& what);
    void testJobFailed(const QString& why);

    JobsService& service_;
    ProfileFn profile_;
    ProfileFn saved_;
    H5Service* h5_ = nullptr;
    quint64 action_ = 0;     ///< the test or deploy running, 0: none
    bool preparing_ = false; ///< a test job's file is written or its job planned
    QString profile_name_;
    QPushButton* test_button_;
    QPushButton* deploy_button_;
    QPushButton* test_job_button_;
    QPushButton* cancel_;
    QProgressBar* progress_;
    QPlainTextEdit* output_;
    QLabel* result_;
};

} // namespace sluice::gui
