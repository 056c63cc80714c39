#pragma once
// The position map beside the pixel chooser: an X × Y image of one value per pixel (its RMS, or the
// noise floor a results group stored), dark to bright, on which a click selects that pixel. RMS is read
// through H5Service one block of rows per job, with progress and Cancel; a dataset larger than
// kAutoBytes waits for "Compute" instead of being read on opening.
#include "services/h5_service.hpp"

#include <QImage>
#include <QRectF>
#include <QWidget>
#include <cstdint>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace sluice::gui {

/// The image itself: one cell per position on the grid of the last two position dimensions (columns:
/// the fastest one), grey from dark (smallest value) to bright (largest), cells without a value dark blue.
class MapImage : public QWidget {
    Q_OBJECT
public:
    explicit MapImage(QWidget* parent = nullptr);
    /// labels and positions as in Position_Indices (rows × labels.size(), row-major).
    void setGrid(const std::vector<std::string>& labels, const std::vector<double>& positions,
                 std::uint64_t rows);
    void setValues(const std::vector<double>& values, double lo, double hi);
    void setCurrent(std::uint64_t row);
    void clear();
    /// Where the cell of `row` is drawn.
    [[nodiscard]] QRectF cellRect(std::uint64_t row) const;

signals:
    void rowClicked(std::uint64_t row);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    [[nodiscard]] QRectF drawn() const;

    std::uint64_t width_ = 1, height_ = 1;
    std::vector<std::uint64_t> cell_;  ///< per row
    std::vector<std::int64_t> row_at_; ///< per cell, -1 for none
    std::uint64_t current_ = 0;
    QImage image_;
};

class PositionMap : public QWidget {
    Q_OBJECT
public:
    /// Datasets up to this size get their RMS map as soon as they open.
    static constexpr std::uint64_t kAutoBytes = std::uint64_t{64} << 20;
    /// Bytes of rows read per job.
    static constexpr std::uint64_t kBlockBytes = std::uint64_t{8} << 20;

    explicit PositionMap(H5Service& service, QWidget* parent = nullptr);
    ~PositionMap() override;

    void setDataset(std::uint64_t generation, const DatasetInfo& info);
    void clear();
    /// The pixel shown as current (outlined).
    void setCurrentRow(std::uint64_t row);
    /// Reads under way (tests wait for false).
    [[nodiscard]] bool busy() const { return pending_ > 0; }
    /// The value shown for each row (NaN where none is known yet).
    [[nodiscard]] const std::vector<double>& values() const { return values_; }

signals:
    void rowClicked(std::uint64_t row);

private:
    void quantityChosen(int index);
    void computeRms();
    void readBlock(std::uint64_t first);
    void cancel();
    void finished(const QString& text);
    void showValues();
    void listResults();

    H5Service& service_;
    QCheckBox* toggle_;
    QComboBox* quantity_;
    QWidget* body_;
    MapImage* image_;
    QLabel* range_;
    QProgressBar* progress_;
    QPushButton* cancel_;
    QPushButton* compute_;

    std::uint64_t generation_ = 0;
    std::string path_;
    std::uint64_t rows_ = 0, points_ = 0, bytes_ = 0;
    std::vector<double> values_;
    std::uint64_t job_ = 0; ///< bumped to drop the answers of a cancelled or replaced read
    int pending_ = 0;
};

} // namespace sluice::gui
