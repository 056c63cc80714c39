#pragma once
// Runs compute_preview off the UI thread. Requests arriving while one runs are coalesced: only the newest
// is computed next, so typing in an editor never queues up stale previews.
#include "services/preview.hpp"

#include <QObject>
#include <QString>
#include <memory>
#include <optional>

namespace sluice::gui {

class PreviewService : public QObject {
    Q_OBJECT
public:
    explicit PreviewService(QObject* parent = nullptr);

    void request(PreviewInput input);
    [[nodiscard]] bool busy() const { return running_ || pending_.has_value(); }
    /// Requests answered so far (with a result or an error); tests wait on it.
    [[nodiscard]] int answered() const { return answered_; }

signals:
    void previewReady(std::shared_ptr<const sluice::gui::PreviewResult> result);
    void previewFailed(const QString& message);

private:
    void startNext();

    std::optional<PreviewInput> pending_;
    bool running_ = false;
    int answered_ = 0;
};

} // namespace sluice::gui
