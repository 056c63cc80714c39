#pragma once
// "Submit to a cluster…": choose a profile, adjust the job's resources, and read the exact job script
// before anything is uploaded. Every edit re-plans the job (jobs::plan_job on the H5Service thread:
// the dataset and the recipe are checked against each other, the resources against the scheduler);
// Submit is enabled only when the plan is valid. The clusters listed are the user's profiles.json and
// the site's profiles; "Add cluster…" opens the profiles dialog and selects what was added there.
#include "jobs/job_runner.hpp"

#include <QDialog>
#include <QString>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace sluice::gui {

class H5Service;

class SubmitDialog : public QDialog {
    Q_OBJECT
public:
    /// `profiles_file`: the user's profiles.json (empty: the default one).
    SubmitDialog(H5Service& h5, QString profiles_file, jobs::NewJob job, QWidget* parent = nullptr);

    /// The accepted plan: the profile with the edited resources and the Draft record to submit.
    [[nodiscard]] const std::optional<jobs::JobPlan>& plan() const { return plan_; }
    [[nodiscard]] std::optional<jobs::ClusterProfile> profile() const;
    [[nodiscard]] QString scriptText() const;
    [[nodiscard]] QString messageText() const;

signals:
    void planned(); ///< a re-plan finished (valid or not)

private:
    void loadProfile();
    /// Read the profiles again and select `select` (or keep the current one).
    void reloadProfiles(const QString& select = {});
    /// The profiles dialog, on a new profile; what it adds is listed and selected.
    void addCluster();
    void startHashing();
    void replan();

    H5Service& h5_;
    QString profiles_file_;
    std::vector<jobs::ClusterProfile> profiles_;
    bool hashing_ = false;
    jobs::NewJob job_;
    std::optional<jobs::JobPlan> plan_;
    std::uint64_t request_ = 0;
    QComboBox* profile_;
    QLineEdit* walltime_;
    QSpinBox* nodes_;
    QSpinBox* tasks_;
    QLineEdit* partition_;
    QPlainTextEdit* script_;
    QPlainTextEdit* recipe_ = nullptr; ///< recipe.json as uploaded beside the script
    QLabel* message_;
    QPushButton* submit_;
};

} // namespace sluice::gui
