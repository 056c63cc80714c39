#pragma once
// The main window's cluster side: the Jobs dock over a ClusterService, "Submit to a Cluster…" (the
// SubmitDialog with its script preview), login questions as dialogs, and a notification when a job
// ends while the app runs. The window supplies what a job is made of and opens downloaded results.
#include "services/cluster_service.hpp"

#include <QObject>
#include <QString>
#include <functional>
#include <optional>

class QAction;
class QMainWindow;
class QSystemTrayIcon;

namespace sluice::gui {

class H5Service;
class JobsPanel;

class ClusterJobs : public QObject {
    Q_OBJECT
public:
    struct Inputs {
        QString file;
        QString dataset;
        QString recipe_json;
    };
    using InputsFn = std::function<std::optional<Inputs>()>;

    ClusterJobs(QMainWindow& window, H5Service& h5, InputsFn inputs, ClusterService::Files files = {});

    [[nodiscard]] QAction* submitAction() const { return submit_; }
    [[nodiscard]] QAction* profilesAction() const { return profiles_; }
    [[nodiscard]] JobsPanel* panel() const { return panel_; }
    [[nodiscard]] ClusterService& service() { return *service_; }
    void setRunnable(bool runnable);
    /// Open the submit dialog for the current inputs; returns when it is closed.
    void promptSubmit();

signals:
    void openResultRequested(const QString& path);
    void mergeRequested(const QString& result, const QString& source);

private:
    void notify(const QString& id, const QString& state, const QString& message);

    QMainWindow& window_;
    H5Service& h5_;
    InputsFn inputs_;
    ClusterService* service_;
    JobsPanel* panel_;
    QAction* submit_;
    QAction* profiles_;
    QSystemTrayIcon* tray_ = nullptr;
};

} // namespace sluice::gui
