#pragma once
// Which pixel (row of the Main dataset) to preview: a row index, plus one box per position dimension
// (X, Y, ...) when the positions form a grid. Both stay in step through the Position_Indices table.
#include <QWidget>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

class QLabel;
class QSpinBox;
class QHBoxLayout;

namespace sluice::gui {

class PixelChooser : public QWidget {
    Q_OBJECT
public:
    explicit PixelChooser(QWidget* parent = nullptr);

    /// rows = P; position_indices = P × labels.size(), row-major (from Position_Indices).
    void setPositions(std::uint64_t rows, const std::vector<std::string>& labels,
                      const std::vector<double>& position_indices);
    void clear();
    [[nodiscard]] std::uint64_t row() const;
    void setRow(std::uint64_t row);
    /// Move by `delta` rows, clamped to the dataset (keyboard stepping).
    void step(int delta);
    [[nodiscard]] QSpinBox* rowBox() const { return row_box_; }
    /// A one-line description of the pixel for the status bar and plot titles ("row 5 (X 1, Y 1)").
    [[nodiscard]] QString describe() const;

signals:
    void rowChanged(std::uint64_t row);

private:
    void positionEdited();
    void showPositionOf(std::uint64_t row);

    QSpinBox* row_box_;
    QLabel* of_label_;
    QHBoxLayout* dims_layout_;
    std::vector<QSpinBox*> dim_boxes_;
    std::vector<QString> dim_labels_;
    std::vector<std::vector<std::int64_t>> positions_; ///< per row
    std::map<std::vector<std::int64_t>, std::uint64_t> row_at_;
    bool syncing_ = false;
};

} // namespace sluice::gui
