#pragma once
// The bar over the plots while a result is compared with its source: which result, the recipe it was
// made with, the stored noise floor of the pixel shown, and Merge / Close.
#include <QFrame>
#include <optional>

class QLabel;
class QPushButton;

namespace sluice::gui {

class CompareBar : public QFrame {
    Q_OBJECT
public:
    explicit CompareBar(QWidget* parent = nullptr);
    /// `result`: the result file's name; `recipe`: in words; `merged`: where it was merged, if it was.
    void showResult(const QString& result, const QString& recipe, const QString& merged);
    /// The pixel on the plots and its stored noise floor (none without a threshold).
    void showPixel(const QString& pixel, std::optional<double> noise_floor);
    [[nodiscard]] QString text() const;

signals:
    void mergeRequested();
    void closeRequested();

private:
    QLabel* what_;
    QLabel* pixel_;
    QPushButton* merge_;
};

} // namespace sluice::gui
