#pragma once
// The Run dock: start a run on this computer, follow it (progress bar, rows/s, ETA), cancel, resume,
// open its result and merge it into the source. It shows the LocalRunner's state; the main window
// decides what a run is made of (file, dataset, recipe) and asks before merging.
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace sluice::gui {

class LocalRunner;

class RunPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunPanel(LocalRunner& runner, QWidget* parent = nullptr);

    /// Whether there is something to run (a Main dataset and a usable recipe); `why` says what is missing.
    void setRunnable(bool runnable, const QString& why);
    /// Show a one-off outcome (a merge, a refusal) under the progress.
    void showNote(const QString& text);
    [[nodiscard]] QString statusText() const;

signals:
    void runRequested();
    void openResultRequested();
    void mergeRequested();

private:
    void refresh();

    LocalRunner& runner_;
    QLabel* status_;
    QProgressBar* bar_;
    QLabel* note_;
    QPushButton* run_;
    QPushButton* cancel_;
    QPushButton* resume_;
    QPushButton* open_;
    QPushButton* merge_;
    bool runnable_ = false;
};

} // namespace sluice::gui
