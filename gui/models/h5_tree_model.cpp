#include "models/h5_tree_model.hpp"

#include <QApplication>
#include <QFont>
#include <QIcon>
#include <QStyle>
#include <vector>

namespace sluice::gui {

struct H5TreeModel::Node {
    h5::Entry entry;
    Node* parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Node>> children;
    bool fetched = false;
    bool fetching = false;
};

namespace {

QString kind_text(const h5::Entry& e, bool is_main) {
    switch (e.kind) {
    case h5::EntryKind::group:
        return H5TreeModel::tr("Group");
    case h5::EntryKind::dataset:
        return is_main ? H5TreeModel::tr("Main dataset") : H5TreeModel::tr("Dataset");
    case h5::EntryKind::named_type:
        return H5TreeModel::tr("Datatype");
    case h5::EntryKind::soft_link:
        return H5TreeModel::tr("Link → %1").arg(QString::fromStdString(e.link_target));
    case h5::EntryKind::external_link:
        return H5TreeModel::tr("External link → %1").arg(QString::fromStdString(e.link_target));
    case h5::EntryKind::other:
        return H5TreeModel::tr("Unreadable");
    }
    return {};
}

} // namespace

H5TreeModel::H5TreeModel(H5Service& service, QObject* parent)
    : QAbstractItemModel(parent), service_(service), root_(std::make_unique<Node>()) {
    root_->fetched = true;
}

H5TreeModel::~H5TreeModel() = default;

void H5TreeModel::setFile(const OpenedFile& file) {
    beginResetModel();
    ++epoch_;
    pending_ = 0;
    generation_ = file.generation;
    main_datasets_ = {file.main_datasets.begin(), file.main_datasets.end()};
    root_ = std::make_unique<Node>();
    root_->entry.name = "/";
    root_->entry.path = "/";
    root_->entry.kind = h5::EntryKind::group;
    root_->fetched = true;
    adopt(*root_, file.root);
    endResetModel();
}

void H5TreeModel::clear() {
    beginResetModel();
    ++epoch_;
    pending_ = 0;
    generation_ = 0;
    main_datasets_.clear();
    root_ = std::make_unique<Node>();
    root_->fetched = true;
    endResetModel();
}

void H5TreeModel::adopt(Node& parent, std::vector<h5::Entry> entries) {
    for (auto& e : entries) {
        auto child = std::make_unique<Node>();
        child->entry = std::move(e);
        child->parent = &parent;
        child->row = static_cast<int>(parent.children.size());
        child->fetched = child->entry.kind != h5::EntryKind::group; // only groups have members to list
        parent.children.push_back(std::move(child));
    }
}

H5TreeModel::Node* H5TreeModel::node(const QModelIndex& index) const {
    return index.isValid() ? static_cast<Node*>(index.internalPointer()) : root_.get();
}

QModelIndex H5TreeModel::indexOf(const Node* n) const {
    return n == root_.get() || n == nullptr ? QModelIndex() : createIndex(n->row, 0, n);
}

QModelIndex H5TreeModel::indexForPath(const QString& path) const {
    const std::string wanted = path.toStdString();
    const Node* at = root_.get();
    while (at) {
        if (at->entry.path == wanted) return indexOf(at);
        const Node* next = nullptr;
        for (const auto& c : at->children) {
            const auto& p = c->entry.path;
            if (p == wanted ||
                (wanted.starts_with(p) && wanted.size() > p.size() && wanted[p.size()] == '/')) {
                next = c.get();
                break;
            }
        }
        at = next;
    }
    return {};
}

QModelIndex H5TreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0))
        return {};
    const Node* p = node(parent);
    if (static_cast<std::size_t>(row) >= p->children.size()) return {};
    return createIndex(row, column, p->children[static_cast<std::size_t>(row)].get());
}

QModelIndex H5TreeModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    return indexOf(node(child)->parent);
}

int H5TreeModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return 0;
    return static_cast<int>(node(parent)->children.size());
}

int H5TreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

bool H5TreeModel::hasChildren(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return false;
    const Node* n = node(parent);
    return !n->children.empty() || !n->fetched;
}

bool H5TreeModel::canFetchMore(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return false;
    const Node* n = node(parent);
    return !n->fetched && !n->fetching;
}

void H5TreeModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent)) return;
    Node* n = node(parent);
    n->fetching = true;
    ++pending_;
    service_.listGroup(generation_, n->entry.path)
        .then(this, [this, n, epoch = epoch_](Result<std::vector<h5::Entry>> entries) {
            if (epoch != epoch_) return; // the tree was reset; n is gone
            --pending_;
            n->fetching = false;
            n->fetched = true;
            const QModelIndex at = indexOf(n);
            if (!entries) {
                if (entries.error().kind != ErrorKind::cancelled)
                    emit fetchFailed(QString::fromStdString(entries.error().message));
            } else if (!entries->empty()) {
                beginInsertRows(at, 0, static_cast<int>(entries->size()) - 1);
                adopt(*n, std::move(*entries));
                endInsertRows();
            }
            if (n->children.empty()) emit dataChanged(at, at); // the expander goes away
        });
}

Qt::ItemFlags H5TreeModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (node(index)->fetched && node(index)->children.empty()) f |= Qt::ItemNeverHasChildren;
    return f;
}

QVariant H5TreeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Node* n = node(index);
    const h5::Entry& e = n->entry;
    const bool is_main = e.kind == h5::EntryKind::dataset && main_datasets_.contains(e.path);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn) return QString::fromStdString(e.name);
        if (index.column() == KindColumn) return kind_text(e, is_main);
        if (e.kind == h5::EntryKind::dataset)
            return QStringLiteral("%1 %2").arg(QString::fromStdString(h5::shape_text(e.shape)),
                                               QString::fromStdString(e.dtype));
        return {};
    case Qt::ToolTipRole:
        if (is_main)
            return tr("%1\nh5USID Main dataset: select it to preview").arg(QString::fromStdString(e.path));
        if (e.kind == h5::EntryKind::dataset)
            return tr("%1\nDouble-click to see its values").arg(QString::fromStdString(e.path));
        if (e.filter_result)
            return tr("%1\nFFT filtering results: right-click to use its settings")
                .arg(QString::fromStdString(e.path));
        return QString::fromStdString(e.path);
    case Qt::DecorationRole: {
        if (index.column() != NameColumn) return {};
        const QStyle* style = QApplication::style();
        if (e.kind == h5::EntryKind::group) return style->standardIcon(QStyle::SP_DirIcon);
        if (is_main) return style->standardIcon(QStyle::SP_MediaPlay);
        if (e.kind == h5::EntryKind::dataset) return style->standardIcon(QStyle::SP_FileIcon);
        return style->standardIcon(QStyle::SP_FileLinkIcon);
    }
    case Qt::FontRole:
        if (is_main) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return {};
    case PathRole:
        return QString::fromStdString(e.path);
    case IsMainRole:
        return is_main;
    case IsDatasetRole:
        return e.kind == h5::EntryKind::dataset;
    case IsResultRole:
        return e.filter_result;
    default:
        return {};
    }
}

QVariant H5TreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case KindColumn:
        return tr("Kind");
    case ShapeColumn:
        return tr("Shape");
    default:
        return {};
    }
}

} // namespace sluice::gui
