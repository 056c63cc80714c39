#pragma once
// Typed editor of one frequency filter (one of FilterSpec's four kinds) with its inline message.
// It only turns text into numbers; whether the numbers make sense is decided by shared/recipe. Its fields
// are named by the recipe's keys, so that an Error's Field finds its widget (fieldWidget).
#include "signal/filters.hpp"
#include "util/error.hpp"

#include <QFrame>
#include <optional>
#include <string>
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
    explicit FilterEditor(const signal::FilterSpec& initial, QWidget* parent = nullptr);

    /// The filter as typed; a field that is not a number reads as NaN and is one of numberProblems().
    [[nodiscard]] signal::FilterSpec spec() const;
    /// "enter a number" for every field that is not one, each with its Field (no filter index).
    [[nodiscard]] std::vector<Error> numberProblems() const;
    /// The input of a recipe key (and list element), or nullptr.
    [[nodiscard]] QWidget* fieldWidget(const std::string& key, std::optional<std::size_t> element) const;
    /// The field in words, for the designer's problem list: "cut-off", "band 2 width".
    [[nodiscard]] QString fieldLabel(const std::string& key, std::optional<std::size_t> element) const;
    [[nodiscard]] std::size_t kind() const { return kind_; }
    void setIndex(int index);
    /// Inline validation message under the fields (empty hides it).
    void setMessage(const QString& message);
    [[nodiscard]] QString message() const;

    /// "Low-pass", "Noise band (notch)", ... for menus and titles.
    [[nodiscard]] static QString displayName(std::size_t kind);
    /// "Low-pass", "Notch", ... where space is short (tabs, the problem list).
    [[nodiscard]] static QString shortName(std::size_t kind);

signals:
    void changed();
    void removeRequested();

private:
    struct Band {
        QWidget* row;
        QLabel* label;
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
