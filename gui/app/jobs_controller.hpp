#pragma once
// The main window's jobs: the Jobs dock over a JobsService, "Run on This Computer" (a job of the local
// profile), "Submit to a Cluster…" (the SubmitDialog with its script preview), where results go, login
// questions as dialogs, the careful merge of a result into its source, and a notification when a job
// ends while the app runs. The window supplies what a job is made of and shows results beside sources.
#include "jobs/job_store.hpp"
#include "services/jobs_service.hpp"

#include <QObject>
#include <QString>
#include <functional>
#include <optional>

class QAction;
class QMainWindow;
class QMenu;
class QSystemTrayIcon;

namespace sluice::gui {

class DesktopNotifier;
class H5Service;
class JobsView;
class MergeRunner;

class JobsController : public QObject {
    Q_OBJECT
public:
    struct Inputs {
        QString file;
        QString dataset;
        QString recipe_json;
    };
    using InputsFn = std::function<std::optional<Inputs>()>;

    JobsController(QMainWindow& window, H5Service& h5, InputsFn inputs, JobsService::Files files = {});

    [[nodiscard]] QAction* runHereAction() const { return run_here_; }
    [[nodiscard]] QAction* submitAction() const { return submit_; }
    [[nodiscard]] QAction* profilesAction() const { return profiles_; }
    /// Results beside the source, or in a folder of the user's choice.
    void addResultsMenu(QMenu* menu);
    [[nodiscard]] JobsView* view() const { return view_; }
    [[nodiscard]] JobsService& service() { return *service_; }
    /// Whether there is something to run; `why` (shown on the actions) says what is missing.
    void setRunnable(bool runnable, const QString& why);
    /// Where new results go; empty: beside the source.
    [[nodiscard]] QString resultsFolder() const;
    void setResultsFolder(const QString& folder);

    /// Start the current inputs on this computer.
    void runHere();
    /// Open the submit dialog for the current inputs; returns when it is closed.
    void promptSubmit();
    /// Ask, then merge the job's result into its source.
    void confirmMerge(const QString& id);

signals:
    /// Show a job's result beside its source.
    void compareRequested(const sluice::jobs::JobRecord& job);
    /// One line for the status bar.
    void message(const QString& text);
    /// A refusal or failure the user must read (title, text, detail).
    void error(const QString& title, const QString& text, const QString& detail);

private:
    void notify(const QString& id, const QString& state, const QString& message);
    /// Select job `id` in the Jobs view once the service lists it.
    void selectWhenListed(const QString& id);
    /// The folder for this source's result: the chosen one, or beside the source when it can be written
    /// there; otherwise the user is asked (empty: they declined).
    std::optional<QString> outputFolderFor(const QString& source);

    QMainWindow& window_;
    H5Service& h5_;
    InputsFn inputs_;
    JobsService* service_;
    JobsView* view_;
    MergeRunner* merge_;
    QAction* run_here_;
    QAction* submit_;
    QAction* profiles_;
    DesktopNotifier* notifier_;
    QSystemTrayIcon* tray_ = nullptr;
};

} // namespace sluice::gui
