#pragma once
// Reading the Jobs view the way a user reads it (by job and column) and answering its questions.
#include "models/jobs_model.hpp"
#include "widgets/jobs_view.hpp"

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

namespace sluice::test {

/// The text in `column` of job `id`'s row; empty when the job is not listed.
inline QString job_cell(const gui::JobsView* view, const QString& id, int column) {
    const int row = view->model()->rowOf(id);
    return row < 0 ? QString() : view->model()->index(row, column).data().toString();
}

/// The newest job of `profile` ("local" for this computer), or empty.
inline QString newest_job(const gui::JobsView* view, const QString& profile) {
    const auto* m = view->model();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, 0).data(gui::JobsModel::ProfileRole).toString() == profile)
            return m->index(r, 0).data(gui::JobsModel::IdRole).toString();
    return {};
}

inline QString job_state(const gui::JobsView* view, const QString& id) {
    const int row = view->model()->rowOf(id);
    return row < 0 ? QString() : view->model()->index(row, 0).data(gui::JobsModel::StateRole).toString();
}

/// Clicks the button named `name` (or the standard `button`) of the next modal message box that opens.
inline void answer_next_box(QMessageBox::StandardButton button, const char* name = nullptr) {
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, button, name] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) return;
        QAbstractButton* b =
            name ? box->findChild<QPushButton*>(QString::fromLatin1(name)) : box->button(button);
        if (b) b->click();
        timer->deleteLater();
    });
    timer->start();
}

} // namespace sluice::test
