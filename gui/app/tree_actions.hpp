#pragma once
// What the HDF5 tree offers besides selecting: resizable columns with the names readable, and a context
// menu (also Enter/double-click on a dataset that is not Main) to copy a node's path, open a dataset's
// values in a ValuesWindow, and take the settings a results group was made with as the designer's
// recipe. Reads go through H5Service; what cannot be shown is said in the status bar, not a dialog.
#include "recipe/recipe.hpp"

#include <QObject>
#include <QString>
#include <cstdint>

class QAction;
class QTreeView;
class QWidget;

namespace sluice::gui {

class H5Service;

class TreeActions : public QObject {
    Q_OBJECT
public:
    /// `window` parents the values windows; the actions act on the tree's current node.
    TreeActions(QTreeView& tree, H5Service& service, QWidget& window);
    ~TreeActions() override;

    /// The file the tree shows now (H5Service's generation); values windows of an older one close.
    void setGeneration(std::uint64_t generation);
    /// Open the values of the dataset at `path` (the first page is read before the window opens).
    void openValues(const QString& path);
    /// Reads under way, here and in the values windows (tests wait for false).
    [[nodiscard]] bool busy() const;

signals:
    void message(const QString& text);
    /// "Use These Settings": the recipe the results group was made with.
    void recipeChosen(const sluice::recipe::FilterRecipe& recipe);

private:
    void updateActions();
    void useSettings(const QString& group);
    void fitNames();

    QTreeView& tree_;
    H5Service& service_;
    QWidget& window_;
    std::uint64_t generation_ = 0;
    int pending_ = 0;
    QAction* copy_path_;
    QAction* open_values_;
    QAction* use_settings_;
};

} // namespace sluice::gui
