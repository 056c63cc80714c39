#pragma once
// The filter designer panel: one tab per typed filter editor, the noise threshold and an optional sample
// rate. Every edit is checked at once by shared/recipe's stage 1 (recipe_problems); stage 2 (against the
// dataset) comes back from the preview through showDatasetProblems. Every problem is listed in a bar at
// the top, found from its Error's Field (never from the words of its message); activating an entry
// takes the user to the field.
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <QWidget>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTabWidget;

namespace sluice::gui {

class FilterEditor;
class FrequencyEdit;

class FilterDesigner : public QWidget {
    Q_OBJECT
public:
    explicit FilterDesigner(QWidget* parent = nullptr);

    /// The recipe as edited, after stage-1 validation. A recipe with neither filters nor threshold is
    /// valid here (the preview then shows the raw signal) although it cannot be saved or run.
    [[nodiscard]] const Result<recipe::FilterRecipe>& recipe() const { return recipe_; }
    /// What to preview: the recipe when it passes stage 1, else nothing to apply (the raw signal, at the
    /// recipe's rate if that one is valid), so the data is always drawn.
    [[nodiscard]] recipe::FilterRecipe previewRecipe() const;
    void setRecipe(const recipe::FilterRecipe& recipe);
    /// The file's sample rate, shown as the default when the recipe gives none.
    void setFileSampleRate(std::optional<double> hz, const QString& origin);
    /// Stage-2 problems from the preview of previewRecipe() (empty: none, or no dataset).
    void showDatasetProblems(std::vector<Error> problems);

    /// The first problem of any stage in words ("Low-pass 1 · cut-off: …"), empty when there is none.
    [[nodiscard]] QString problem() const;
    /// Every current problem, stage 1 then stage 2, as listed in the bar.
    [[nodiscard]] const std::vector<Error>& problems() const { return problems_; }
    /// Show problem `i`'s filter tab, scroll to its field, focus it and select its text.
    void goToProblem(int i);
    [[nodiscard]] QListWidget* problemBar() const { return bar_; }
    [[nodiscard]] const std::vector<FilterEditor*>& editors() const { return editors_; }

signals:
    /// After every edit; recipe() holds the new state (valid or not).
    void recipeChanged();
    /// problem() changed (empty: the recipe can be run as far as the designer knows).
    void problemChanged(const QString& problem);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void layoutBar();
    void addFilter(const signal::FilterSpec& spec);
    void removeFilter(FilterEditor* editor);
    void revalidate();
    void showProblems();
    void renumber();
    [[nodiscard]] QString describe(const Error& e) const;
    [[nodiscard]] QWidget* fieldWidget(const Field& field) const;

    QComboBox* type_box_;
    QPushButton* add_button_;
    QListWidget* bar_;
    QTabWidget* tabs_;
    QLabel* empty_hint_;
    QCheckBox* threshold_on_;
    QLineEdit* threshold_;
    FrequencyEdit* rate_;
    QLabel* rate_hint_;
    QPushButton* use_file_rate_;
    std::optional<double> file_rate_;
    std::vector<FilterEditor*> editors_;
    Result<recipe::FilterRecipe> recipe_;
    std::vector<Error> stage1_;
    std::vector<Error> stage2_;
    std::vector<Error> problems_;
    QString problem_;
    bool loading_ = false; ///< setRecipe rebuilds silently and validates once at the end
};

} // namespace sluice::gui
