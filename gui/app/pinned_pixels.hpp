#pragma once
// Pixels kept on screen next to the current one for comparison (at most kMaxPins; pinning another drops
// the oldest). Each pin keeps its row in memory and has its own PreviewService, so a recipe change
// re-previews every pin off the UI thread without one pin's request superseding another's.
#include "recipe/recipe.hpp"
#include "services/preview.hpp"
#include "widgets/plot_panel.hpp"

#include <QObject>
#include <QString>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sluice::gui {

class PreviewService;

class PinnedPixels : public QObject {
    Q_OBJECT
public:
    static constexpr std::size_t kMaxPins = 4;

    explicit PinnedPixels(QObject* parent = nullptr);
    ~PinnedPixels() override;

    /// Pin `row` (already read) and preview it with `recipe`; a row that is already pinned stays as it is.
    void pin(std::uint64_t row, const QString& label, std::shared_ptr<const std::vector<double>> data,
             std::optional<double> file_rate_hz, const recipe::FilterRecipe& recipe);
    /// Re-preview every pin with a new recipe.
    void setRecipe(const recipe::FilterRecipe& recipe);
    void clear();

    [[nodiscard]] std::size_t size() const { return pins_.size(); }
    [[nodiscard]] bool contains(std::uint64_t row) const;
    /// The pins that have a preview, oldest first.
    [[nodiscard]] std::vector<PinnedPreview> shown() const;
    [[nodiscard]] bool busy() const;

signals:
    void changed();

private:
    struct Pin;
    void request(Pin& pin);

    std::vector<std::unique_ptr<Pin>> pins_;
    recipe::FilterRecipe recipe_;
};

} // namespace sluice::gui
