#pragma once
// The Jobs dock: every cluster job in the JobStore (also those started with sluice-cli) with its state,
// rows and the reason it is in that state; transfer progress; Cancel, Fetch result and Open result.
#include <QWidget>

class QAction;
class QHBoxLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace sluice::gui {

class ClusterService;

class JobsPanel : public QWidget {
    Q_OBJECT
public:
    explicit JobsPanel(ClusterService& service, QWidget* parent = nullptr);

    /// Rows as shown: job id, cluster, state, rows, message (for tests and screenshots).
    [[nodiscard]] QStringList rowTexts(int row) const;
    [[nodiscard]] int rowCount() const;
    void selectJob(const QString& id);
    /// A button for `action` beside the panel's own (e.g. "Submit to a Cluster…").
    void addButton(QAction* action);

signals:
    /// The user wants to see a downloaded result.
    void openResultRequested(const QString& path);
    /// The user wants a downloaded result merged into the file it was made from.
    void mergeRequested(const QString& result, const QString& source);

private:
    void refresh();
    void updateButtons();
    [[nodiscard]] int selectedIndex() const;

    ClusterService& service_;
    QTableWidget* table_;
    QProgressBar* transfer_;
    QLabel* problem_;
    QPushButton* cancel_;
    QPushButton* fetch_;
    QPushButton* open_;
    QPushButton* merge_;
    QHBoxLayout* buttons_;
};

} // namespace sluice::gui
