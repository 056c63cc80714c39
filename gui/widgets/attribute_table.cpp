#include "widgets/attribute_table.hpp"

#include <QHeaderView>

namespace sluice::gui {

AttributeTable::AttributeTable(QWidget* parent) : QTableWidget(0, 3, parent) {
    setObjectName(QStringLiteral("attributes"));
    setHorizontalHeaderLabels({tr("Name"), tr("Type"), tr("Value")});
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    verticalHeader()->hide();
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setWordWrap(false);
    setAlternatingRowColors(true);
}

void AttributeTable::setAttributes(const std::vector<h5::AttributeEntry>& attributes) {
    if (attributes.empty()) return showNote(tr("No attributes"));
    clearSpans();
    setRowCount(static_cast<int>(attributes.size()));
    for (int row = 0; const auto& a : attributes) {
        const QString type = a.shape == "scalar"
                                 ? QString::fromStdString(a.type)
                                 : QStringLiteral("%1 %2").arg(QString::fromStdString(a.type),
                                                               QString::fromStdString(a.shape));
        auto* value = new QTableWidgetItem(QString::fromStdString(a.value));
        value->setToolTip(value->text());
        setItem(row, 0, new QTableWidgetItem(QString::fromStdString(a.name)));
        setItem(row, 1, new QTableWidgetItem(type));
        setItem(row, 2, value);
        ++row;
    }
}

void AttributeTable::showNote(const QString& note) {
    clearSpans();
    setRowCount(note.isEmpty() ? 0 : 1);
    if (note.isEmpty()) return;
    auto* item = new QTableWidgetItem(note);
    item->setFlags(Qt::ItemIsEnabled);
    item->setForeground(palette().brush(QPalette::Disabled, QPalette::Text));
    setItem(0, 0, item);
    setSpan(0, 0, 1, 3);
}

} // namespace sluice::gui
