#pragma once
// The filter designer panel: a list of typed filter editors, the noise threshold and an optional sample
// rate. Every edit is checked by shared/recipe's stage 1 at once; stage 2 (against the dataset) comes
// back from the preview through showDatasetError. Messages appear under the filter they name.
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <QWidget>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QVBoxLayout;

namespace sluice::gui {

class FilterEditor;
class FrequencyEdit;

class FilterDesigner : public QWidget {
    Q_OBJECT
public:
    explicit FilterDesigner(QWidget* parent = nullptr);

    /// The recipe as edited, after stage-1 validation. A recipe with neither filters nor threshold is
    /// valid here (the preview then shows the raw signal) although it cannot be saved or run.
    [[nodiscard]] const Result<FilterRecipe>& recipe() const { return recipe_; }
    void setRecipe(const FilterRecipe& recipe);
    /// The file's sample rate, shown as the default when the recipe gives none.
    void setFileSampleRate(std::optional<double> hz, const QString& origin);
    /// A stage-2 message from the preview, or empty to clear it.
    void showDatasetError(const QString& message);

    [[nodiscard]] const std::vector<FilterEditor*>& editors() const { return editors_; }
    [[nodiscard]] QString globalMessage() const;

signals:
    /// After every edit; recipe() holds the new state (valid or not).
    void recipeChanged();

private:
    void addFilter(const FilterSpec& spec);
    void removeFilter(FilterEditor* editor);
    void revalidate();
    [[nodiscard]] Result<FilterRecipe> buildRecipe() const;
    void showMessage(const QString& message);

    QComboBox* type_box_;
    QPushButton* add_button_;
    QVBoxLayout* list_;
    QLabel* empty_hint_;
    QCheckBox* threshold_on_;
    QLineEdit* threshold_;
    FrequencyEdit* rate_;
    QLabel* rate_hint_;
    QLabel* message_;
    std::vector<FilterEditor*> editors_;
    Result<FilterRecipe> recipe_;
    bool loading_ = false; ///< setRecipe rebuilds silently and validates once at the end
};

} // namespace sluice::gui
