#pragma once
// The values of any dataset, one bounded page at a time (h5::max_page_values, h5::max_page_bytes): a
// table of the exact stored values beside a plot for numeric data (a line for one row or column, an
// image for a 2-D page). Datasets with more than two dimensions show the 2-D slice of their last two
// at indices chosen for the others. Pages are read through H5Service.
#include "h5/browse.hpp"

#include <QAbstractTableModel>
#include <QWidget>
#include <cstdint>
#include <vector>

class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace sluice::gui {

class H5Service;

/// A ValuesPage as a table; headers are the dataset's own row and column indices.
class ValuesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;
    void setPage(h5::ValuesPage page);
    [[nodiscard]] const h5::ValuesPage& page() const { return page_; }
    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

private:
    h5::ValuesPage page_;
};

class ValuesWindow : public QWidget {
    Q_OBJECT
public:
    /// `first` is the dataset's first page, already read (the caller learns so whether it can be shown).
    ValuesWindow(H5Service& service, std::uint64_t generation, QString path, h5::ValuesPage first,
                 QWidget* parent = nullptr);

    [[nodiscard]] const h5::ValuesPage& page() const { return model_->page(); }
    [[nodiscard]] QString path() const { return path_; }
    /// A page read still under way (tests wait for false).
    [[nodiscard]] bool busy() const { return pending_ > 0; }

private:
    void request(std::uint64_t first_row);
    void showPage(h5::ValuesPage page);
    void plot();

    H5Service& service_;
    std::uint64_t generation_;
    QString path_;
    std::uint64_t request_ = 0; ///< only the newest page read is shown
    int pending_ = 0;
    ValuesModel* model_;
    QTableView* table_;
    QCustomPlot* plot_;
    QLabel* where_;
    QSpinBox* first_row_;
    QSpinBox* first_column_;
    QPushButton* previous_;
    QPushButton* next_;
    std::vector<QSpinBox*> leading_;
};

} // namespace sluice::gui
