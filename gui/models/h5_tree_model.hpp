#pragma once
// The HDF5 tree dock's model. Lazy: a group's members are listed (through H5Service, off the UI thread)
// only when a view asks for them with fetchMore, i.e. when the user expands it.
#include "services/h5_service.hpp"

#include <QAbstractItemModel>
#include <QString>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

namespace sluice::gui {

class H5TreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, ShapeColumn, ColumnCount };
    enum Role { PathRole = Qt::UserRole + 1, IsMainRole, IsDatasetRole, IsResultRole };

    explicit H5TreeModel(H5Service& service, QObject* parent = nullptr);
    ~H5TreeModel() override;

    /// Show a freshly opened file; its root members are already listed.
    void setFile(const OpenedFile& file);
    void clear();
    [[nodiscard]] std::uint64_t generation() const { return generation_; }
    /// Index of an already-loaded node, or an invalid index.
    [[nodiscard]] QModelIndex indexForPath(const QString& path) const;
    /// Group listings still under way (tests wait for 0).
    [[nodiscard]] int pendingFetches() const { return pending_; }

    [[nodiscard]] QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    [[nodiscard]] QModelIndex parent(const QModelIndex& child) const override;
    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;
    [[nodiscard]] bool hasChildren(const QModelIndex& parent = {}) const override;
    [[nodiscard]] bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    [[nodiscard]] Qt::ItemFlags flags(const QModelIndex& index) const override;

signals:
    void fetchFailed(const QString& message);

private:
    struct Node;
    [[nodiscard]] Node* node(const QModelIndex& index) const;
    [[nodiscard]] QModelIndex indexOf(const Node* n) const;
    void adopt(Node& parent, std::vector<h5::Entry> entries);

    H5Service& service_;
    std::unique_ptr<Node> root_;
    std::set<std::string> main_datasets_;
    std::uint64_t generation_ = 0; ///< H5Service's generation of the file shown
    std::uint64_t epoch_ = 0;      ///< bumped on every reset so late listings for dropped nodes are ignored
    int pending_ = 0;
};

} // namespace sluice::gui
