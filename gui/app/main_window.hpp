#pragma once
// Sluice's main window: HDF5 tree and attributes docked left, preview plots in the centre, the filter
// designer docked right. It wires the services (HDF5 on H5Service's thread, previews on worker threads)
// to the widgets and keeps window layout, recent files and the last recipe in QSettings.
#include "jobs/job_store.hpp"
#include "services/h5_service.hpp"

#include <QMainWindow>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QAction;
class QTreeView;

namespace sluice::gui {

class AttributeTable;
class CompareBar;
class FilterDesigner;
class H5TreeModel;
class JobsController;
class PinnedPixels;
class PixelChooser;
class PlotPanel;
class PositionMap;
class PreviewService;
class RecentFiles;
class TreeActions;
struct PreviewResult;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path);
    bool loadRecipe(const QString& path);
    bool saveRecipe(const QString& path);

    [[nodiscard]] QTreeView* treeView() const { return tree_; }
    [[nodiscard]] H5TreeModel* treeModel() const { return model_; }
    [[nodiscard]] AttributeTable* attributeTable() const { return attributes_; }
    [[nodiscard]] FilterDesigner* designer() const { return designer_; }
    [[nodiscard]] PlotPanel* plots() const { return plots_; }
    [[nodiscard]] PixelChooser* pixelChooser() const { return pixels_; }
    [[nodiscard]] JobsController* jobs() const { return jobs_; }
    [[nodiscard]] PinnedPixels* pinnedPixels() const { return pins_; }
    /// Keep the current pixel on the plots for comparison.
    void pinCurrentPixel();
    /// Show a job's result beside its source: the source (opened when needed) stays the open file, and
    /// the plots show its raw rows against the result's stored Filtered_Data, pixel for pixel.
    void compareWith(const jobs::JobRecord& job);
    void endCompare();
    /// The result being compared with, if any.
    [[nodiscard]] const std::optional<ResultInfo>& comparison() const { return compare_; }
    [[nodiscard]] CompareBar* compareBar() const { return compare_bar_; }
    [[nodiscard]] QString currentDataset() const;
    [[nodiscard]] QString currentFile() const { return file_path_; }
    /// HDF5 reads or a preview still under way (tests wait for false).
    [[nodiscard]] bool busy() const;
    /// The preview currently drawn, if any.
    [[nodiscard]] std::shared_ptr<const PreviewResult> shownPreview() const { return shown_; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    static constexpr int kStatusMs = 6000; ///< how long a status-bar message stays
    void createDocks();
    void applyDefaultDockSizes();
    /// View → Reset Layout: every dock back in its first-start place and share of the window.
    void resetLayout();
    void createMenus();
    void restoreSettings();
    void closeFile();
    void onCurrentNodeChanged(const QModelIndex& index);
    void onNodeActivated(const QModelIndex& index);
    void openDataset(const QString& path);
    void revealInTree(const QString& path);
    void continueReveal();
    void loadRow(std::uint64_t row);
    void requestPreview();
    void beginCompare(const jobs::JobRecord& job);
    void showComparedRow();
    void showError(const QString& title, const QString& text, const QString& detail);
    void promptOpen();
    void updateRunnable();
    void promptLoadRecipe();
    void promptSaveRecipe();
    template <class T, class F>
    void track(QFuture<T> future, F&& then);

    H5Service h5_;
    H5TreeModel* model_;
    QTreeView* tree_;
    TreeActions* tree_actions_ = nullptr;
    AttributeTable* attributes_;
    PlotPanel* plots_;
    PixelChooser* pixels_;
    FilterDesigner* designer_;
    PreviewService* preview_;
    PinnedPixels* pins_;
    JobsController* jobs_ = nullptr;
    CompareBar* compare_bar_;
    PositionMap* map_;
    std::optional<jobs::JobRecord> pending_compare_; ///< waits for its source and dataset to open
    std::optional<jobs::JobRecord> compare_job_;
    std::optional<ResultInfo> compare_;
    std::uint64_t compare_request_ = 0;
    RecentFiles* recent_ = nullptr;
    QAction* close_action_ = nullptr;
    QByteArray default_state_; ///< the dock arrangement of a first start, for Reset Layout

    std::uint64_t generation_ = 0;
    QString file_path_;
    QString reveal_; ///< a node to select once the lazy tree has listed its way down to it
    std::optional<DatasetInfo> dataset_;
    std::shared_ptr<const std::vector<double>> row_data_;
    std::uint64_t row_index_ = 0;
    std::uint64_t row_request_ = 0; ///< only the newest row read is shown
    std::uint64_t attribute_request_ = 0;
    std::shared_ptr<const PreviewResult> shown_;
    int in_flight_ = 0;
};

template <class T, class F>
void MainWindow::track(QFuture<T> future, F&& then) {
    ++in_flight_;
    future.then(this, [this, then = std::forward<F>(then)](T result) mutable {
        --in_flight_;
        then(std::move(result));
    });
}

} // namespace sluice::gui
