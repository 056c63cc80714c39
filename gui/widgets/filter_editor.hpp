#pragma once
// Typed editor of one frequency filter (one of FilterSpec's four kinds) with its inline message.
// It only turns text into numbers; whether the numbers make sense is decided by shared/recipe.
#include "signal/filters.hpp"
#include "util/error.hpp"

#include <QFrame>
#include <vector>

class QLabel;
class QLineEdit;
class QSpinBox;
class QVBoxLayout;

namespace sluice::gui {

class FrequencyEdit;

class FilterEditor : public QFrame {
    Q_OBJECT
public:
    explicit FilterEditor(const FilterSpec& initial, QWidget* parent = nullptr);

    /// The filter as typed; an error names the field that is not a number.
    [[nodiscard]] Result<FilterSpec> spec() const;
    void setIndex(int index);
    /// Inline validation message under the fields (empty hides it).
    void setMessage(const QString& message);
    [[nodiscard]] QString message() const;

    /// "Low-pass", "Noise band", ... for menus and titles.
    [[nodiscard]] static QString displayName(std::size_t kind);

signals:
    void changed();
    void removeRequested();

private:
    struct Band {
        QWidget* row;
        FrequencyEdit* freq;
        FrequencyEdit* width;
    };
    FrequencyEdit* addFrequency(const QString& name, const QString& label, double hz);
    void addBand(double freq_hz, double width_hz);
    void removeBand(QWidget* row);
    void renameBands();

    std::size_t kind_;
    QLabel* title_;
    QLabel* message_;
    QVBoxLayout* fields_;
    FrequencyEdit* first_ = nullptr;  ///< cutoff, first harmonic or centre
    FrequencyEdit* second_ = nullptr; ///< band width or width
    QLineEdit* roll_off_ = nullptr;
    QSpinBox* harmonics_ = nullptr;
    QVBoxLayout* bands_layout_ = nullptr;
    std::vector<Band> bands_;
};

} // namespace sluice::gui
