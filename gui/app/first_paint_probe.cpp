#include "app/first_paint_probe.hpp"

#include "app/main_window.hpp"
#include "widgets/plot_panel.hpp"

#include <QCoreApplication>
#include <QEvent>
#include <QTimer>
#include <chrono>
#include <cstdio>
#include <qcustomplot.h>

namespace sluice::gui {
namespace {

class FirstPaintProbe : public QObject {
public:
    FirstPaintProbe(QCustomPlot* plot, QCPGraph* graph) : QObject(plot), graph_(graph) {
        plot->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Paint && !fired_ && !graph_->data()->isEmpty()) {
            fired_ = true;
            // Queued, so that it runs once this paint event has been fully handled.
            QTimer::singleShot(0, this, [] {
                const auto now = std::chrono::system_clock::now().time_since_epoch();
                std::printf("first_paint_unix_ns=%lld\n",
                            static_cast<long long>(
                                std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
                std::fflush(stdout);
                QCoreApplication::quit();
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QCPGraph* graph_;
    bool fired_ = false;
};

} // namespace

bool install_first_paint_probe(MainWindow& window) {
    if (qEnvironmentVariableIsEmpty("SLUICE_EXIT_AFTER_FIRST_PAINT")) return false;
    new FirstPaintProbe(window.plots()->timePlot(), window.plots()->rawGraph());
    return true;
}

} // namespace sluice::gui
