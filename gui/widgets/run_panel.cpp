#include "widgets/run_panel.hpp"

#include "services/local_runner.hpp"

#include <QGridLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

namespace sluice::gui {

RunPanel::RunPanel(LocalRunner& runner, QWidget* parent)
    : QWidget(parent), runner_(runner), status_(new QLabel), bar_(new QProgressBar), note_(new QLabel),
      run_(new QPushButton(tr("&Run on This Computer"))), cancel_(new QPushButton(tr("Cancel"))),
      resume_(new QPushButton(tr("Resume"))), open_(new QPushButton(tr("Open Result"))),
      merge_(new QPushButton(tr("Merge into Source…"))) {
    status_->setObjectName(QStringLiteral("run_status"));
    bar_->setObjectName(QStringLiteral("run_progress"));
    note_->setObjectName(QStringLiteral("run_note"));
    run_->setObjectName(QStringLiteral("run_local"));
    cancel_->setObjectName(QStringLiteral("run_cancel"));
    resume_->setObjectName(QStringLiteral("run_resume"));
    open_->setObjectName(QStringLiteral("run_open_result"));
    merge_->setObjectName(QStringLiteral("run_merge"));
    for (auto* label : {status_, note_}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }

    auto* buttons = new QGridLayout;
    buttons->addWidget(run_, 0, 0, 1, 2);
    buttons->addWidget(cancel_, 1, 0);
    buttons->addWidget(resume_, 1, 1);
    buttons->addWidget(open_, 2, 0);
    buttons->addWidget(merge_, 2, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(bar_);
    layout->addWidget(status_);
    layout->addWidget(note_);
    layout->addStretch(1);

    connect(run_, &QPushButton::clicked, this, &RunPanel::runRequested);
    connect(open_, &QPushButton::clicked, this, &RunPanel::openResultRequested);
    connect(merge_, &QPushButton::clicked, this, &RunPanel::mergeRequested);
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (auto ok = runner_.cancel(); !ok) showNote(QString::fromStdString(ok.error().message));
    });
    connect(resume_, &QPushButton::clicked, this, [this] {
        showNote({});
        if (auto ok = runner_.resume(); !ok) showNote(QString::fromStdString(ok.error().message));
    });
    connect(&runner_, &LocalRunner::changed, this, &RunPanel::refresh);
    connect(&runner_, &LocalRunner::mergeFinished, this, [this](bool, const QString& message) {
        showNote(message);
        refresh();
    });
    refresh();
}

void RunPanel::setRunnable(bool runnable, const QString& why) {
    runnable_ = runnable;
    run_->setToolTip(runnable ? tr("Filter the selected dataset with this recipe into a new file next to it")
                              : why);
    refresh();
}

void RunPanel::showNote(const QString& text) {
    note_->setText(text);
}

QString RunPanel::statusText() const {
    return status_->text();
}

void RunPanel::refresh() {
    const auto& run = runner_.run();
    const bool active = run && run->active();
    run_->setEnabled(runnable_ && !active);
    cancel_->setEnabled(active && run->state != LocalRun::State::stopping);
    resume_->setEnabled(run && run->resumable());
    const bool done = run && run->state == LocalRun::State::done;
    open_->setEnabled(done);
    merge_->setEnabled(done && !runner_.merging());
    if (!run) {
        status_->setText(tr("No run yet. Select a Main dataset, design a filter, then run it here."));
        bar_->setRange(0, 1);
        bar_->setValue(0);
        return;
    }
    status_->setText(LocalRunner::describe(*run));
    if (run->state == LocalRun::State::starting && run->rows_total == 0) {
        bar_->setRange(0, 0); // busy indicator until the engine reports its size
        return;
    }
    const int total = static_cast<int>(std::max<qint64>(1, std::min<qint64>(run->rows_total, INT_MAX)));
    bar_->setRange(0, total);
    bar_->setValue(done ? total : static_cast<int>(std::min<qint64>(run->rows_done, total)));
}

} // namespace sluice::gui
