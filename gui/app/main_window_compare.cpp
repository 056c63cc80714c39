// Comparing a job's saved result with its source, pixel by pixel: the result opens beside the source (never
// replacing it), the plots show raw, stored filtered row and stored noise floor together, and the compare
// bar offers the merge. See docs/DESIGN.md §8.
#include "app/jobs_controller.hpp"
#include "app/main_window.hpp"
#include "qstring_from.hpp"
#include "recipe/recipe_text.hpp"
#include "widgets/compare_bar.hpp"
#include "widgets/pixel_chooser.hpp"
#include "widgets/plot_panel.hpp"

#include <QFileInfo>
#include <QStatusBar>

namespace sluice::gui {

void MainWindow::compareWith(const jobs::JobRecord& job) {
    endCompare();
    pending_compare_.reset();
    const QString source = q(job.local_input);
    if (QFileInfo(file_path_) != QFileInfo(source) || !dataset_) {
        pending_compare_ = job;
        openFile(source);
        return;
    }
    if (currentDataset() != q(job.dataset)) {
        pending_compare_ = job;
        revealInTree(q(job.dataset));
        return;
    }
    beginCompare(job);
}

void MainWindow::beginCompare(const jobs::JobRecord& job) {
    const QString result = q(job.local_output);
    statusBar()->showMessage(tr("Opening %1 to compare…").arg(QFileInfo(result).fileName()));
    track(h5_.openResult(result.toStdString()), [this, job, result](Result<ResultInfo> info) {
        if (!info) {
            showError(tr("Cannot compare"), tr("“%1” cannot be compared.").arg(QFileInfo(result).fileName()),
                      q(info.error().message));
            return;
        }
        if (!dataset_ || info->rows != dataset_->main.rows || info->points != dataset_->main.points) {
            h5_.closeResult();
            showError(tr("Cannot compare"), tr("The result does not fit the open dataset."),
                      tr("%1 holds %2 × %3 values; %4 is %5 × %6.")
                          .arg(QFileInfo(result).fileName())
                          .arg(info->rows)
                          .arg(info->points)
                          .arg(currentDataset())
                          .arg(dataset_ ? dataset_->main.rows : 0)
                          .arg(dataset_ ? dataset_->main.points : 0));
            return;
        }
        compare_ = std::move(*info);
        compare_job_ = job;
        const auto recipe = recipe::parse_recipe(compare_->recipe_json);
        compare_bar_->showResult(QFileInfo(result).fileName(),
                                 recipe ? q(recipe::recipe_summary(*recipe)) : tr("unknown"),
                                 q(job.merged_into));
        statusBar()->showMessage(
            tr("Comparing %1 with %2").arg(currentDataset(), QFileInfo(result).fileName()), kStatusMs);
        showComparedRow();
    });
}

// The current pixel: the source's row (already read) against the result's stored row.
void MainWindow::showComparedRow() {
    if (!compare_ || !row_data_ || !dataset_) return;
    const auto request = ++compare_request_;
    auto recipe = recipe::parse_recipe(compare_->recipe_json);
    PreviewInput input{.row = row_data_,
                       .row_index = row_index_,
                       .file_rate_hz = dataset_->main.sample_rate_hz,
                       .recipe = recipe ? *recipe : recipe::FilterRecipe{}};
    track(h5_.readResultRow(row_index_), [this, request, input](Result<ResultRow> row) {
        if (request != compare_request_ || !compare_) return;
        if (!row) {
            if (row.error().kind != ErrorKind::cancelled)
                showError(tr("Cannot compare"), tr("The result's row cannot be read."),
                          q(row.error().message));
            return;
        }
        const auto pixel = pixels_->describe();
        auto shown = compute_comparison(input, std::move(row->filtered), row->noise_floor);
        if (!shown) {
            showError(tr("Cannot compare"), tr("The result cannot be shown beside the source."),
                      q(shown.error().message));
            return;
        }
        shown_ = std::make_shared<const PreviewResult>(std::move(*shown));
        plots_->showPreview(*shown_, pixel);
        compare_bar_->showPixel(pixel, shown_->noise_floor);
    });
}

void MainWindow::endCompare() {
    if (!compare_) return;
    compare_.reset();
    compare_job_.reset();
    ++compare_request_;
    h5_.closeResult();
    compare_bar_->hide();
    requestPreview();
}

} // namespace sluice::gui
