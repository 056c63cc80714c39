#pragma once
// The Jobs dock: every job of every profile (this computer and the clusters, also jobs started with
// sluice-cli) in one table, filtered by state and place, with what can be done to the selected one:
// cancel, resume, compare its result with the source, merge it, show its log, fetch it, copy where it
// lives, remove it from the list; a finished scaling study's table (Show Table, or a double-click). Upload
// and download progress shows under the table. What the actions do is the JobsService's (and, for compare
// and merge, the main window's) business.
#include "util/transfer_meter.hpp"

#include <QWidget>

class QAction;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace sluice::gui {

class JobDetails;
class JobsModel;
class JobsService;

class JobsView : public QWidget {
    Q_OBJECT
public:
    explicit JobsView(JobsService& service, QWidget* parent = nullptr);

    /// A button for `action` at the top (Run on This Computer, Submit to a Cluster…).
    void addAction(QAction* action);
    [[nodiscard]] QString selectedId() const;
    void selectJob(const QString& id);
    /// Jobs shown after filtering.
    [[nodiscard]] int visibleRows() const;
    [[nodiscard]] JobsModel* model() const { return model_; }
    [[nodiscard]] JobDetails* details() const { return details_; }

signals:
    /// Show the job's result beside its source, pixel for pixel.
    void compareRequested(const QString& id);
    /// Merge the job's result into its source (the window asks first).
    void mergeRequested(const QString& id);

private:
    void updateButtons();
    void updateWhereFilter();
    void confirmRemove(const QString& id);
    void updateLoginBar();

    JobsService& service_;
    JobsModel* model_;
    QSortFilterProxyModel* filter_;
    QTableView* table_;
    QComboBox* state_filter_;
    QComboBox* where_filter_;
    QHBoxLayout* top_;
    QProgressBar* transfer_;
    sluice::TransferMeter transfer_meter_; ///< bytes, rate and time left on transfer_
    QString transfer_key_;                 ///< "upload <id>": whose transfer the meter follows
    QPushButton* cancel_;
    QPushButton* resume_;
    QPushButton* compare_;
    QPushButton* merge_;
    QPushButton* fetch_;
    QPushButton* log_;
    QPushButton* study_table_;
    QPushButton* copy_path_;
    QPushButton* remove_;
    QWidget* login_bar_;
    QLabel* login_text_;
    QPushButton* login_;
    QString login_profile_; ///< the profile login_ logs in to
    JobDetails* details_;
};

} // namespace sluice::gui
