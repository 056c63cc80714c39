#include "app/main_window.hpp"

#include "app/jobs_controller.hpp"
#include "app/pinned_pixels.hpp"
#include "app/recent_files.hpp"
#include "app/tree_actions.hpp"
#include "app/user_guide.hpp"
#include "models/h5_tree_model.hpp"
#include "qstring_from.hpp"
#include "recipe/recipe_text.hpp"
#include "services/preview_service.hpp"
#include "util/atomic_file.hpp"
#include "widgets/attribute_table.hpp"
#include "widgets/compare_bar.hpp"
#include "widgets/filter_designer.hpp"
#include "widgets/pixel_chooser.hpp"
#include "widgets/plot_panel.hpp"
#include "widgets/position_map.hpp"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTreeView>
#include <QVBoxLayout>

namespace sluice::gui {
namespace {

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kRecipeKey = QStringLiteral("recipe/last");
const QString kRecipeFilter = QObject::tr("Sluice recipes (*.json);;All files (*)");
const QString kHdf5Filter = QObject::tr("HDF5 files (*.h5 *.hdf5 *.he5 *.nxs);;All files (*)");

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), model_(new H5TreeModel(h5_, this)), tree_(new QTreeView),
      attributes_(new AttributeTable), plots_(new PlotPanel), pixels_(new PixelChooser),
      designer_(new FilterDesigner), preview_(new PreviewService(this)), pins_(new PinnedPixels(this)),
      compare_bar_(new CompareBar), map_(new PositionMap(h5_)) {
    setWindowTitle(tr("Sluice"));
    setAcceptDrops(true);

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(pixels_, 1, Qt::AlignTop);
    top->addWidget(map_);
    layout->addLayout(top);
    layout->addWidget(compare_bar_);
    layout->addWidget(plots_, 1);
    // When the window shrinks, Qt takes width from the centre first: a floor keeps the plots readable
    // and makes the docks give up their share instead.
    central->setMinimumWidth(360);
    setCentralWidget(central);

    createDocks();
    createMenus();
    statusBar()->showMessage(tr("Open an HDF5 file (Ctrl+O) or drop one on the window."));

    connect(model_, &H5TreeModel::fetchFailed, this, [this](const QString& m) {
        showError(tr("Cannot read group"), tr("Sluice cannot list this group."), m);
    });
    connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentNodeChanged(current); });
    connect(tree_, &QTreeView::activated, this, &MainWindow::onNodeActivated);
    connect(model_, &QAbstractItemModel::rowsInserted, this, [this] { continueReveal(); });
    connect(pixels_, &PixelChooser::rowChanged, this, &MainWindow::loadRow);
    connect(pixels_, &PixelChooser::rowChanged, map_, &PositionMap::setCurrentRow);
    connect(map_, &PositionMap::rowClicked, pixels_, &PixelChooser::setRow);
    connect(designer_, &FilterDesigner::recipeChanged, this, [this] {
        const auto& r = designer_->recipe();
        if (r && (!r->filters.empty() || r->noise_threshold))
            QSettings().setValue(kRecipeKey, q(recipe::to_json(*r)));
        // An invalid recipe previews the raw signal: the data never disappears behind a typo.
        requestPreview();
        pins_->setRecipe(designer_->previewRecipe());
    });
    connect(pins_, &PinnedPixels::changed, this, [this] { plots_->showPinned(pins_->shown()); });
    connect(plots_, &PlotPanel::pinRequested, this, &MainWindow::pinCurrentPixel);
    connect(plots_, &PlotPanel::unpinAllRequested, pins_, &PinnedPixels::clear);
    connect(designer_, &FilterDesigner::problemChanged, this, &MainWindow::updateRunnable);
    connect(designer_, &FilterDesigner::recipeChanged, this, &MainWindow::updateRunnable);
    connect(preview_, &PreviewService::previewReady, this,
            [this](std::shared_ptr<const PreviewResult> result) {
                if (compare_) return; // the comparison owns the plots until it is closed
                shown_ = result;
                designer_->showDatasetProblems(result->problems);
                plots_->showPreview(*result, pixels_->describe());
                if (result->noise_floor)
                    statusBar()->showMessage(
                        tr("Noise floor of %1: %2").arg(pixels_->describe()).arg(*result->noise_floor),
                        kStatusMs);
            });
    connect(preview_, &PreviewService::previewFailed, this,
            [this](const QString& message) { statusBar()->showMessage(message, kStatusMs); });

    restoreSettings();
    updateRunnable();
}

// Children that call h5_ (values windows, the tree with its model and actions, the position map) go
// first: members are destroyed before QObject deletes the children, and a child calling a destroyed
// H5Service in its own teardown would use freed memory.
MainWindow::~MainWindow() {
    delete tree_actions_; // and its values windows
    delete centralWidget();
    delete findChild<QDockWidget*>(QStringLiteral("treeDock"), Qt::FindDirectChildrenOnly);
    delete model_;
}

void MainWindow::createDocks() {
    tree_->setObjectName(QStringLiteral("tree"));
    tree_->setModel(model_);
    tree_->setUniformRowHeights(true);
    tree_->setAlternatingRowColors(true);
    tree_actions_ = new TreeActions(*tree_, h5_, *this);
    connect(tree_actions_, &TreeActions::message, this,
            [this](const QString& m) { statusBar()->showMessage(m, kStatusMs); });
    connect(tree_actions_, &TreeActions::recipeChosen, designer_, &FilterDesigner::setRecipe);

    const auto dock = [this](const QString& name, const QString& title, QWidget* widget,
                             Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(widget);
        addDockWidget(area, d);
        return d;
    };
    dock(QStringLiteral("treeDock"), tr("HDF5 Tree"), tree_, Qt::LeftDockWidgetArea);
    dock(QStringLiteral("attributesDock"), tr("Attributes"), attributes_, Qt::LeftDockWidgetArea);
    dock(QStringLiteral("designerDock"), tr("Filter Designer"), designer_, Qt::RightDockWidgetArea);
    jobs_ = new JobsController(*this, h5_, [this]() -> std::optional<JobsController::Inputs> {
        const auto& recipe = designer_->recipe();
        if (!dataset_ || !recipe) return std::nullopt;
        return JobsController::Inputs{file_path_, currentDataset(), q(recipe::to_json(*recipe))};
    });
    connect(jobs_, &JobsController::message, this,
            [this](const QString& m) { statusBar()->showMessage(m, kStatusMs); });
    connect(jobs_, &JobsController::error, this, &MainWindow::showError);
    connect(jobs_, &JobsController::compareRequested, this, &MainWindow::compareWith);
    connect(compare_bar_, &CompareBar::closeRequested, this, &MainWindow::endCompare);
    connect(compare_bar_, &CompareBar::mergeRequested, this, [this] {
        if (compare_job_) jobs_->confirmMerge(q(compare_job_->id));
    });
    // A merge ends with the job saying where: the bar follows.
    connect(&jobs_->service(), &JobsService::jobsChanged, this, [this] {
        if (!compare_job_ || !compare_) return;
        if (const auto j = jobs_->service().job(q(compare_job_->id));
            j && j->merged_into != compare_job_->merged_into) {
            compare_job_ = *j;
            const auto recipe = recipe::parse_recipe(compare_->recipe_json);
            compare_bar_->showResult(QFileInfo(q(compare_->path.string())).fileName(),
                                     recipe ? q(recipe::recipe_summary(*recipe)) : tr("unknown"),
                                     q(j->merged_into));
        }
    });
    default_state_ = saveState();
}

// Shares of the window, not pixels, so that a small screen (1024×700) still leaves the plots room: the
// tree a quarter, the designer a little more (value, unit and remove controls side by side), the Jobs
// list a fifth of the height.
void MainWindow::applyDefaultDockSizes() {
    const auto find = [this](const char* name) { return findChild<QDockWidget*>(QLatin1String(name)); };
    resizeDocks({find("treeDock"), find("designerDock")}, {width() * 24 / 100, width() * 30 / 100},
                Qt::Horizontal);
    resizeDocks({find("treeDock"), find("attributesDock")}, {height() * 40 / 100, height() * 20 / 100},
                Qt::Vertical);
    resizeDocks({find("jobsDock")}, {height() / 5}, Qt::Vertical);
}

void MainWindow::resetLayout() {
    restoreState(default_state_);
    for (auto* d : findChildren<QDockWidget*>()) {
        d->setFloating(false);
        d->show();
    }
    applyDefaultDockSizes();
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"), QKeySequence::Open,
                    this, &MainWindow::promptOpen);
    recent_ = new RecentFiles(file->addMenu(tr("Open &Recent")), this);
    connect(recent_, &RecentFiles::openRequested, this, &MainWindow::openFile);
    close_action_ = file->addAction(tr("&Close"), QKeySequence::Close, this, &MainWindow::closeFile);
    close_action_->setEnabled(false);
    file->addSeparator();
    file->addAction(tr("&Load Recipe…"), QKeySequence(Qt::CTRL | Qt::Key_L), this,
                    &MainWindow::promptLoadRecipe);
    file->addAction(tr("&Save Recipe As…"), QKeySequence::Save, this, &MainWindow::promptSaveRecipe);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (auto* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("&Next Pixel"), QKeySequence(Qt::ALT | Qt::Key_Right), this,
                    [this] { pixels_->step(1); });
    view->addAction(tr("&Previous Pixel"), QKeySequence(Qt::ALT | Qt::Key_Left), this,
                    [this] { pixels_->step(-1); });
    view->addAction(tr("P&in Pixel"), QKeySequence(Qt::CTRL | Qt::Key_P), this, &MainWindow::pinCurrentPixel);
    view->addAction(tr("&Unpin All Pixels"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), pins_,
                    &PinnedPixels::clear);
    view->addAction(tr("&Reset Zoom"), QKeySequence(Qt::CTRL | Qt::Key_0), plots_, &PlotPanel::resetZoom);
    view->addSeparator();
    view->addAction(tr("Reset &Layout"), this, &MainWindow::resetLayout)
        ->setObjectName(QStringLiteral("reset_layout"));

    QMenu* jobs = menuBar()->addMenu(tr("&Jobs"));
    jobs->addAction(jobs_->runHereAction());
    jobs->addAction(jobs_->submitAction());
    jobs->addSeparator();
    jobs_->addResultsMenu(jobs);
    jobs->addSeparator();
    jobs->addAction(jobs_->profilesAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&User Guide"), QKeySequence::HelpContents, this, [this] { show_user_guide(this); });
    help->addAction(tr("&About Sluice"), this, [this] {
        QMessageBox::about(this, tr("About Sluice"),
                           tr("<b>Sluice %1</b><p>FFT filtering of h5USID datasets, on this computer or on a "
                              "cluster.</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::restoreSettings() {
    QSettings s;
    // A first start fits the screen, or the docks' shares would be of a window the screen squeezes.
    if (!restoreGeometry(s.value(kGeometryKey).toByteArray()))
        resize(QSize(1360, 820).boundedTo(screen()->availableGeometry().size()));
    if (!restoreState(s.value(kStateKey).toByteArray())) applyDefaultDockSizes();
    if (const QString text = s.value(kRecipeKey).toString(); !text.isEmpty())
        if (auto r = recipe::parse_recipe(text.toStdString())) designer_->setRecipe(*r);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings s;
    s.setValue(kGeometryKey, saveGeometry());
    s.setValue(kStateKey, saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    openFile(urls.front().toLocalFile());
}

bool MainWindow::busy() const {
    return in_flight_ > 0 || model_->pendingFetches() > 0 || preview_->busy() || pins_->busy() ||
           tree_actions_->busy() || map_->busy();
}

QString MainWindow::currentDataset() const {
    return dataset_ ? q(dataset_->main.path) : QString();
}

void MainWindow::promptOpen() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open HDF5 File"), QFileInfo(file_path_).path(), kHdf5Filter);
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::openFile(const QString& path) {
    const QString name = QFileInfo(path).fileName();
    statusBar()->showMessage(tr("Opening %1…").arg(name));
    track(h5_.open(path.toStdString()), [this, path, name](Result<OpenedFile> opened) {
        if (!opened) {
            statusBar()->showMessage(tr("Could not open %1").arg(name), kStatusMs);
            showError(tr("Cannot open file"), tr("Sluice cannot open “%1”.").arg(name),
                      q(opened.error().message));
            return;
        }
        closeFile();
        generation_ = opened->generation;
        tree_actions_->setGeneration(generation_);
        file_path_ = path;
        model_->setFile(*opened);
        recent_->add(path);
        close_action_->setEnabled(true);
        setWindowTitle(tr("%1 — Sluice").arg(name));
        setWindowFilePath(path);
        const auto count = opened->main_datasets.size();
        if (count == 0) {
            statusBar()->showMessage(tr("Opened %1: it has no h5USID Main datasets to filter.").arg(name));
            return;
        }
        // Most files hold one Main dataset: show it straight away instead of making the user dig for it.
        // A comparison asked for opens its own dataset.
        const QString first =
            pending_compare_ && QFileInfo(q(pending_compare_->local_input)) == QFileInfo(path)
                ? q(pending_compare_->dataset)
                : q(opened->main_datasets.front());
        revealInTree(first);
        statusBar()->showMessage(tr("Opened %1: previewing %2 (%n h5USID Main dataset(s), shown in bold).",
                                    nullptr, static_cast<int>(count))
                                     .arg(name, first));
    });
}

// The tree is lazy: expand one level at a time as listings arrive, then select the node (which opens
// it through onCurrentNodeChanged like a click would).
void MainWindow::revealInTree(const QString& path) {
    reveal_ = path;
    continueReveal();
}

void MainWindow::continueReveal() {
    if (reveal_.isEmpty()) return;
    QString prefix;
    for (const auto& part : reveal_.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        prefix += QLatin1Char('/') + part;
        const QModelIndex index = model_->indexForPath(prefix);
        if (!index.isValid()) return; // rowsInserted brings us back
        if (prefix == reveal_) {
            reveal_.clear();
            tree_->setCurrentIndex(index);
            tree_->scrollTo(index);
            return;
        }
        if (model_->canFetchMore(index)) model_->fetchMore(index);
        tree_->expand(index);
    }
}

void MainWindow::closeFile() {
    endCompare();
    dataset_.reset();
    row_data_.reset();
    shown_.reset();
    pins_->clear();
    ++row_request_;
    ++attribute_request_;
    model_->clear();
    tree_actions_->setGeneration(0);
    attributes_->showNote({});
    pixels_->clear();
    map_->clear();
    plots_->clear(tr("Open an h5USID file and select a Main dataset to preview it."));
    designer_->showDatasetProblems({});
    close_action_->setEnabled(false);
    setWindowTitle(tr("Sluice"));
    file_path_.clear();
    reveal_.clear();
    updateRunnable();
}

void MainWindow::onCurrentNodeChanged(const QModelIndex& index) {
    if (!index.isValid()) return;
    const QString path = index.data(H5TreeModel::PathRole).toString();
    const auto request = ++attribute_request_;
    track(h5_.attributes(generation_, path.toStdString()),
          [this, request](Result<std::vector<h5::AttributeEntry>> r) {
              if (request != attribute_request_) return;
              if (r)
                  attributes_->setAttributes(*r);
              else if (r.error().kind != ErrorKind::cancelled)
                  attributes_->showNote(q(r.error().message));
          });
    if (index.data(H5TreeModel::IsMainRole).toBool() && path != currentDataset()) openDataset(path);
}

// Enter or double-click: a Main dataset opens (on selection); any other dataset shows its values.
void MainWindow::onNodeActivated(const QModelIndex& index) {
    if (index.data(H5TreeModel::IsMainRole).toBool() || !index.data(H5TreeModel::IsDatasetRole).toBool())
        return;
    tree_actions_->openValues(index.data(H5TreeModel::PathRole).toString());
}

void MainWindow::openDataset(const QString& path) {
    statusBar()->showMessage(tr("Reading %1…").arg(path));
    track(h5_.openDataset(generation_, path.toStdString()), [this, path](Result<DatasetInfo> info) {
        if (!info) {
            if (info.error().kind == ErrorKind::cancelled) return;
            statusBar()->clearMessage();
            showError(tr("Cannot open dataset"), tr("“%1” cannot be previewed.").arg(path),
                      q(info.error().message));
            return;
        }
        dataset_ = std::move(*info);
        const auto& main = dataset_->main;
        shown_.reset();
        pins_->clear(); // pins compare pixels of one dataset
        plots_->setDataset(q(main.quantity), q(main.units));
        designer_->setFileSampleRate(main.sample_rate_hz, q(main.sample_rate_origin));
        pixels_->setPositions(main.rows, main.position_indices.labels, dataset_->position_indices);
        map_->setDataset(generation_, *dataset_);
        statusBar()->showMessage(tr("%1: %2 pixels × %3 points, %4")
                                     .arg(path)
                                     .arg(main.rows)
                                     .arg(main.points)
                                     .arg(q(h5::value_type_name(main.type))),
                                 kStatusMs);
        updateRunnable();
        loadRow(0);
        if (pending_compare_ && q(pending_compare_->dataset) == q(main.path)) {
            const auto job = *pending_compare_;
            pending_compare_.reset();
            beginCompare(job);
        }
    });
}

void MainWindow::loadRow(std::uint64_t row) {
    if (!dataset_) return;
    const auto request = ++row_request_;
    track(h5_.readRow(generation_, dataset_->main.path, row),
          [this, request, row](Result<std::vector<double>> values) {
              if (request != row_request_) return;
              if (!values) {
                  if (values.error().kind != ErrorKind::cancelled)
                      showError(tr("Cannot read pixel"), tr("Row %1 cannot be read.").arg(row),
                                q(values.error().message));
                  return;
              }
              row_data_ = std::make_shared<const std::vector<double>>(std::move(*values));
              row_index_ = row;
              requestPreview();
              showComparedRow();
          });
}

void MainWindow::requestPreview() {
    if (!dataset_ || !row_data_) return;
    preview_->request({.row = row_data_,
                       .row_index = row_index_,
                       .file_rate_hz = dataset_->main.sample_rate_hz,
                       .recipe = designer_->previewRecipe()});
}

void MainWindow::pinCurrentPixel() {
    if (!dataset_ || !row_data_) return;
    pins_->pin(row_index_, pixels_->describe(), row_data_, dataset_->main.sample_rate_hz,
               designer_->previewRecipe());
    statusBar()->showMessage(tr("Pinned %1: it stays on the plots for comparison (at most %2 pixels).")
                                 .arg(pixels_->describe())
                                 .arg(PinnedPixels::kMaxPins),
                             kStatusMs);
}

void MainWindow::promptLoadRecipe() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load Recipe"), {}, kRecipeFilter);
    if (!path.isEmpty()) loadRecipe(path);
}

bool MainWindow::loadRecipe(const QString& path) {
    auto recipe = recipe::load_recipe(path.toStdString());
    if (!recipe) {
        showError(tr("Cannot load recipe"),
                  tr("“%1” is not a usable recipe.").arg(QFileInfo(path).fileName()),
                  q(recipe.error().message));
        return false;
    }
    designer_->setRecipe(*recipe);
    statusBar()->showMessage(tr("Loaded recipe %1").arg(QFileInfo(path).fileName()), kStatusMs);
    return true;
}

void MainWindow::promptSaveRecipe() {
    QString path =
        QFileDialog::getSaveFileName(this, tr("Save Recipe"), QStringLiteral("recipe.json"), kRecipeFilter);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
    saveRecipe(path);
}

bool MainWindow::saveRecipe(const QString& path) {
    const auto& recipe = designer_->recipe();
    QString problem;
    if (!recipe)
        problem = q(recipe.error().message);
    else if (recipe->filters.empty() && !recipe->noise_threshold)
        problem = tr("The recipe is empty: add a filter or a noise threshold first.");
    if (problem.isEmpty()) {
        if (auto ok = write_file_atomically(path.toStdString(), recipe::to_json(*recipe)); !ok)
            problem = q(ok.error().message);
    }
    if (!problem.isEmpty()) {
        showError(tr("Cannot save recipe"), tr("The recipe was not saved."), problem);
        return false;
    }
    statusBar()->showMessage(tr("Saved recipe %1").arg(QFileInfo(path).fileName()), kStatusMs);
    return true;
}

void MainWindow::updateRunnable() {
    // Every run and submit action says the designer's reason, the same words as its problem bar.
    const auto& recipe = designer_->recipe();
    if (!dataset_)
        jobs_->setRunnable(false, tr("Select a Main dataset to filter first."));
    else if (!designer_->problem().isEmpty())
        jobs_->setRunnable(false, designer_->problem());
    else if (!recipe || (recipe->filters.empty() && !recipe->noise_threshold))
        jobs_->setRunnable(false, tr("Design a filter first: the recipe is empty."));
    else
        jobs_->setRunnable(true, {});
}

// Window-modal and non-blocking, so that work in flight keeps going and tests can read it.
void MainWindow::showError(const QString& title, const QString& text, const QString& detail) {
    auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setInformativeText(detail);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace sluice::gui
