#include "services/preview_service.hpp"

#include <QFuture>
#include <QtConcurrent/QtConcurrentRun>

namespace sluice::gui {

PreviewService::PreviewService(QObject* parent) : QObject(parent) {}

void PreviewService::request(PreviewInput input) {
    pending_ = std::move(input);
    if (!running_) startNext();
}

void PreviewService::startNext() {
    running_ = true;
    PreviewInput input = std::move(*pending_);
    pending_.reset();
    // The continuation is tied to `this`: a computation that outlives us finishes without calling back.
    QtConcurrent::run([input = std::move(input)]() -> Result<PreviewResult> {
        try {
            return compute_preview(input);
        } catch (const std::exception& e) { // e.g. std::bad_alloc: a message, not the end of the app
            return fail(ErrorKind::internal, std::string("the preview failed: ") + e.what());
        }
    }).then(this, [this](Result<PreviewResult> result) {
        running_ = false;
        ++answered_;
        if (pending_) { // superseded: show the newest state, not this one
            startNext();
            return;
        }
        if (result)
            emit previewReady(std::make_shared<const PreviewResult>(std::move(*result)));
        else
            emit previewFailed(QString::fromStdString(result.error().message));
    });
}

} // namespace sluice::gui
