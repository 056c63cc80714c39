#pragma once
// "Submit to a cluster…": choose a profile, adjust the job's resources, and read the exact job script
// before anything is uploaded. Every edit re-plans the job (jobs::plan_job on the H5Service thread:
// the dataset and the recipe are checked against each other, the resources against the scheduler);
// Submit is enabled only when the plan is valid.
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
    SubmitDialog(H5Service& h5, std::vector<jobs::ClusterProfile> profiles, jobs::NewJob job,
                 QWidget* parent = nullptr);

    /// The accepted plan: the profile with the edited resources and the Draft record to submit.
    [[nodiscard]] const std::optional<jobs::JobPlan>& plan() const { return plan_; }
    [[nodiscard]] std::optional<jobs::ClusterProfile> profile() const;
    [[nodiscard]] QString scriptText() const;
    [[nodiscard]] QString messageText() const;

signals:
    void planned(); ///< a re-plan finished (valid or not)

private:
    void loadProfile();
    void replan();

    H5Service& h5_;
    std::vector<jobs::ClusterProfile> profiles_;
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
