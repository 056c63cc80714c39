#pragma once
// "Submit to a cluster…": choose a profile, adjust the job's resources, and read the exact job script
// before anything is uploaded. Every edit re-plans the job (jobs::plan_job on the H5Service thread:
// the dataset and the recipe are checked against each other, the resources against the scheduler);
// Submit is enabled only when the plan is valid. The clusters listed are the user's profiles.json and
// the site's profiles; "Add cluster…" opens the profiles dialog and selects what was added there.
// With the app's JobsService, a scaling study of the chosen profile for rows of this length is offered
// on one line (docs/CLUSTER.md, "Scaling studies"): its resources, and Use to fill them in.
#include "jobs/job_runner.hpp"
#include "jobs/scaling.hpp"

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
class JobsService;

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
    /// Where scaling studies are looked up; without it nothing is suggested.
    void setJobsService(JobsService* jobs);
    /// The suggestion shown for the chosen profile, if any.
    [[nodiscard]] const std::optional<jobs::ResourceSuggestion>& suggestion() const { return suggestion_; }
    /// A look-up of studies is under way (its answer replaces the line).
    [[nodiscard]] bool suggestionPending() const { return suggesting_; }

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
    /// Look for a study of the chosen profile, once the dataset's rows are known (from a plan).
    void requestSuggestion();
    void showSuggestion(Result<std::optional<jobs::ResourceSuggestion>> found);
    void useSuggestion();

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
    JobsService* jobs_ = nullptr;
    /// What a suggestion is for: the dataset's rows, their length and the recipe, from the first plan.
    struct Sizes {
        std::int64_t rows = 0;
        std::int64_t points = 0;
        std::string recipe_sha256;
    };
    std::optional<Sizes> sizes_;
    std::optional<jobs::ResourceSuggestion> suggestion_;
    QString suggested_for_; ///< the profile the shown (or awaited) suggestion is for
    std::uint64_t suggest_request_ = 0;
    bool suggesting_ = false;
    QWidget* suggestion_row_;
    QLabel* suggestion_text_;
    QPushButton* use_suggestion_;
};

} // namespace sluice::gui
