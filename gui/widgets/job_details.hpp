#pragma once
// The selected job in full, beside the Jobs table: where and when it ran (scheduler id, node, submitted,
// started, ended, elapsed of its walltime, why it waits, when it was last checked), its state history
// from the job store, the job script exactly as submitted, its recipe in words and as JSON, and its log,
// fetched when asked for; a finished scaling study's table, as `sluice-cli status ID` prints it. Reads
// JobsService; asks it for the history, the log and the study's table.
#include "jobs/job_store.hpp"

#include <QWidget>
#include <vector>

class QGridLayout;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTimer;
class QTreeWidget;

namespace sluice::gui {

class JobsService;

class JobDetails : public QWidget {
    Q_OBJECT
public:
    explicit JobDetails(JobsService& service, QWidget* parent = nullptr);

    /// Show job `id` (empty: none); its history is asked for at once, its log only on request.
    void showJob(const QString& id);
    [[nodiscard]] const QString& jobId() const { return id_; }
    /// Fetch the job's log into the Log tab, and show that tab.
    void fetchLog();
    /// Show the Scaling Study tab (a study's table; shown for studies only).
    void showStudyTable();
    /// A summary field's text, by key ("scheduler_id", "node", "started", ...), for tests and tooltips.
    [[nodiscard]] QString field(const QString& key) const;

private:
    void refresh();
    void setField(const QString& key, const QString& text);
    void showEvents(const QString& id, const std::vector<jobs::JobEvent>& events);
    /// Read the shown study's table into the Scaling Study tab.
    void readStudyTable();

    JobsService& service_;
    QString id_;
    QTabWidget* tabs_;
    QGridLayout* form_; ///< not a QFormLayout: Qt 6.4's writes out of bounds with hidden wrapped rows
    QLabel* none_;
    QTreeWidget* history_;
    QPlainTextEdit* script_;
    QPlainTextEdit* recipe_;
    QPlainTextEdit* log_;
    QPlainTextEdit* study_; ///< the Scaling Study tab
    QPushButton* fetch_log_;
    QLabel* scratch_;             ///< what the job has on its cluster, once listed
    QPushButton* list_scratch_;   ///< "Show Cluster Files"
    QPushButton* remove_scratch_; ///< "Remove from Cluster…"
    QTimer* clock_;               ///< "last checked 12 s ago" stays true
    jobs::WallClock::time_point shown_updated_{};
};

} // namespace sluice::gui
