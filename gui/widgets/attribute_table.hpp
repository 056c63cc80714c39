#pragma once
// The attributes of the node selected in the HDF5 tree.
#include "h5/browse.hpp"

#include <QTableWidget>
#include <vector>

namespace sluice::gui {

class AttributeTable : public QTableWidget {
    Q_OBJECT
public:
    explicit AttributeTable(QWidget* parent = nullptr);
    void setAttributes(const std::vector<h5::AttributeEntry>& attributes);
    void showNote(const QString& note); ///< one greyed line instead of attributes ("No attributes", errors)
};

} // namespace sluice::gui
