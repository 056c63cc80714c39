#pragma once
// A worker thread's question to the UI thread, waited for: a login question (a dialog) or a keychain
// look-up (an asynchronous QtKeychain job). The worker waits for the answer, or until the app closes: the
// UI thread may then be waiting for the worker (~JobsService), so the worker gives up and takes the empty
// answer (a login is cancelled, nothing is remembered).
#include <QMetaObject>
#include <QObject>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>

namespace sluice::gui {

/// Runs `start(reply)` on the thread of `context` and waits until `reply` is called (at once or from a
/// later event there). `start` owns copies of what it needs, since the worker's frame may be gone by the
/// time it runs; when `context` is destroyed first, Qt drops it unrun. `waiting` counts the workers
/// waiting.
template <class R, class F>
R on_ui_async(QObject* context, std::stop_token closing, std::atomic<int>& waiting, F start) {
    struct Answer {
        std::mutex m;
        std::condition_variable_any cv;
        std::optional<R> value;
    };
    auto answer = std::make_shared<Answer>();
    ++waiting;
    const std::function<void(R)> reply = [answer](R value) {
        std::lock_guard lock(answer->m);
        if (answer->value) return; // answered already
        answer->value = std::move(value);
        answer->cv.notify_all();
    };
    QMetaObject::invokeMethod(
        context,
        [reply, closing, start = std::move(start)]() mutable {
            if (closing.stop_requested()) return reply(R{});
            start(reply);
        },
        Qt::QueuedConnection);
    std::unique_lock lock(answer->m);
    answer->cv.wait(lock, closing, [&] { return answer->value.has_value(); });
    --waiting;
    return answer->value ? std::move(*answer->value) : R{};
}

/// The same for an answer `ask()` gives at once (a modal dialog).
template <class R, class F>
R on_ui(QObject* context, std::stop_token closing, std::atomic<int>& waiting, F ask) {
    return on_ui_async<R>(
        context, std::move(closing), waiting,
        [ask = std::move(ask)](const std::function<void(R)>& reply) mutable { reply(ask()); });
}

} // namespace sluice::gui
