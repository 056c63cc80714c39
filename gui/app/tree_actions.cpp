#include "app/tree_actions.hpp"

#include "models/h5_tree_model.hpp"
#include "services/h5_service.hpp"
#include "widgets/values_window.hpp"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QMenu>
#include <QTreeView>
#include <QWidget>
#include <algorithm>

namespace sluice::gui {

TreeActions::TreeActions(QTreeView& tree, H5Service& service, QWidget& window)
    : QObject(&window), tree_(tree), service_(service), window_(window),
      copy_path_(new QAction(tr("Copy Path"), this)), open_values_(new QAction(tr("Open Values"), this)),
      use_settings_(new QAction(tr("Use These Settings"), this)) {
    copy_path_->setObjectName(QStringLiteral("copyPathAction"));
    open_values_->setObjectName(QStringLiteral("openValuesAction"));
    use_settings_->setObjectName(QStringLiteral("useSettingsAction"));
    use_settings_->setToolTip(tr("Set the designer's recipe to the one this results group was made with"));
    const auto current_path = [this] { return tree_.currentIndex().data(H5TreeModel::PathRole).toString(); };
    connect(copy_path_, &QAction::triggered, this, [this, current_path] {
        QApplication::clipboard()->setText(current_path());
        emit message(tr("Copied %1").arg(current_path()));
    });
    connect(open_values_, &QAction::triggered, this, [this, current_path] { openValues(current_path()); });
    connect(use_settings_, &QAction::triggered, this, [this, current_path] { useSettings(current_path()); });
    tree_.addActions({copy_path_, open_values_, use_settings_});

    // Every column can be resized by hand; the names start wide enough to read.
    tree_.header()->setStretchLastSection(true);
    tree_.header()->setSectionResizeMode(QHeaderView::Interactive);
    tree_.setContextMenuPolicy(Qt::CustomContextMenu);
    connect(&tree_, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        const QModelIndex index = tree_.indexAt(at);
        if (!index.isValid()) return;
        tree_.setCurrentIndex(index);
        auto* menu = new QMenu(&tree_);
        menu->setObjectName(QStringLiteral("treeMenu"));
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->addActions({copy_path_, open_values_, use_settings_});
        menu->popup(tree_.viewport()->mapToGlobal(at));
    });
    connect(tree_.selectionModel(), &QItemSelectionModel::currentChanged, this, &TreeActions::updateActions);
    connect(tree_.model(), &QAbstractItemModel::modelReset, this, &TreeActions::fitNames);
    connect(tree_.model(), &QAbstractItemModel::rowsInserted, this, &TreeActions::fitNames);
    connect(&tree_, &QTreeView::expanded, this, &TreeActions::fitNames);
    updateActions();
}

// The values windows read through service_, so they go with the actions that opened them.
TreeActions::~TreeActions() {
    qDeleteAll(window_.findChildren<ValuesWindow*>(Qt::FindDirectChildrenOnly));
}

void TreeActions::setGeneration(std::uint64_t generation) {
    generation_ = generation;
    // A values window reads from the file it was opened on.
    for (auto* w : window_.findChildren<ValuesWindow*>(Qt::FindDirectChildrenOnly))
        w->close();
}

bool TreeActions::busy() const {
    const auto windows = window_.findChildren<ValuesWindow*>(Qt::FindDirectChildrenOnly);
    return pending_ > 0 || std::ranges::any_of(windows, [](const ValuesWindow* w) { return w->busy(); });
}

void TreeActions::updateActions() {
    const QModelIndex index = tree_.currentIndex();
    copy_path_->setEnabled(index.isValid());
    open_values_->setEnabled(index.data(H5TreeModel::IsDatasetRole).toBool());
    use_settings_->setEnabled(index.data(H5TreeModel::IsResultRole).toBool());
}

// The name column as wide as its widest name shown, within reason; the user can drag it from there.
void TreeActions::fitNames() {
    const int before = tree_.columnWidth(H5TreeModel::NameColumn);
    tree_.resizeColumnToContents(H5TreeModel::NameColumn);
    const int fits = std::min(tree_.columnWidth(H5TreeModel::NameColumn), 480);
    tree_.setColumnWidth(H5TreeModel::NameColumn, std::max(before, fits));
}

void TreeActions::openValues(const QString& path) {
    emit message(tr("Reading the values of %1…").arg(path));
    ++pending_;
    const auto generation = generation_;
    service_.readPage(generation, path.toStdString(), {})
        .then(this, [this, path, generation](Result<h5::ValuesPage> page) {
            --pending_;
            if (generation != generation_) return;
            if (!page) {
                if (page.error().kind != ErrorKind::cancelled)
                    emit message(QString::fromStdString(page.error().message)); // it names the dataset
                return;
            }
            auto* w = new ValuesWindow(service_, generation, path, std::move(*page), &window_);
            w->show();
            emit message(tr("Opened the values of %1").arg(path));
        });
}

void TreeActions::useSettings(const QString& group) {
    ++pending_;
    const auto generation = generation_;
    service_.resultRecipe(generation, group.toStdString())
        .then(this, [this, group, generation](Result<h5::ResultRecipe> r) {
            --pending_;
            if (generation != generation_) return;
            if (!r) {
                if (r.error().kind != ErrorKind::cancelled)
                    emit message(
                        tr("No settings in %1: %2").arg(group, QString::fromStdString(r.error().message)));
                return;
            }
            emit recipeChosen(r->recipe);
            const QString from = r->from_sluice ? tr("its sluice_recipe") : tr("pycroscopy's attributes");
            emit message(r->note.empty() ? tr("Settings of %1 (from %2)").arg(group, from)
                                         : tr("Settings of %1 (from %2); note: %3")
                                               .arg(group, from, QString::fromStdString(r->note)));
        });
}

} // namespace sluice::gui
