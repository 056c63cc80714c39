#include "app/pinned_pixels.hpp"

#include "services/preview_service.hpp"

#include <algorithm>

namespace sluice::gui {

struct PinnedPixels::Pin {
    std::uint64_t row = 0;
    QString label;
    std::shared_ptr<const std::vector<double>> data;
    std::optional<double> file_rate_hz;
    std::unique_ptr<PreviewService> service;
    std::shared_ptr<const PreviewResult> result;
};

PinnedPixels::PinnedPixels(QObject* parent) : QObject(parent) {}

PinnedPixels::~PinnedPixels() = default;

void PinnedPixels::pin(std::uint64_t row, const QString& label,
                       std::shared_ptr<const std::vector<double>> data, std::optional<double> file_rate_hz,
                       const recipe::FilterRecipe& recipe) {
    if (!data || contains(row)) return;
    recipe_ = recipe;
    if (pins_.size() == kMaxPins) pins_.erase(pins_.begin());
    auto pin = std::make_unique<Pin>();
    pin->row = row;
    pin->label = label;
    pin->data = std::move(data);
    pin->file_rate_hz = file_rate_hz;
    pin->service = std::make_unique<PreviewService>();
    Pin* p = pin.get();
    connect(p->service.get(), &PreviewService::previewReady, this,
            [this, p](std::shared_ptr<const PreviewResult> result) {
                p->result = std::move(result);
                emit changed();
            });
    // An invalid recipe for this pixel keeps its last preview; the designer already says what is wrong.
    pins_.push_back(std::move(pin));
    request(*p);
    emit changed(); // a dropped oldest pin disappears at once
}

void PinnedPixels::setRecipe(const recipe::FilterRecipe& recipe) {
    recipe_ = recipe;
    for (auto& p : pins_)
        request(*p);
}

void PinnedPixels::clear() {
    if (pins_.empty()) return;
    pins_.clear();
    emit changed();
}

bool PinnedPixels::contains(std::uint64_t row) const {
    return std::ranges::any_of(pins_, [row](const auto& p) { return p->row == row; });
}

std::vector<PinnedPreview> PinnedPixels::shown() const {
    std::vector<PinnedPreview> out;
    for (const auto& p : pins_)
        if (p->result) out.push_back({.label = p->label, .result = p->result});
    return out;
}

bool PinnedPixels::busy() const {
    return std::ranges::any_of(pins_, [](const auto& p) { return p->service->busy(); });
}

void PinnedPixels::request(Pin& pin) {
    pin.service->request(
        {.row = pin.data, .row_index = pin.row, .file_rate_hz = pin.file_rate_hz, .recipe = recipe_});
}

} // namespace sluice::gui
