#pragma once
// A frequency typed as a number plus a unit (Hz, kHz, MHz); hz() is the value in Hz.
#include <QWidget>
#include <optional>

class QComboBox;
class QLineEdit;

namespace sluice::gui {

class FrequencyEdit : public QWidget {
    Q_OBJECT
public:
    /// `name` becomes the object name of the line edit ("<name>") and of the unit box ("<name>.unit").
    explicit FrequencyEdit(const QString& name, QWidget* parent = nullptr);

    /// nullopt when the text is empty or not a number.
    [[nodiscard]] std::optional<double> hz() const;
    [[nodiscard]] bool isEmpty() const;
    /// Shows the value in the largest unit that keeps it >= 1.
    void setHz(std::optional<double> hz);
    void setPlaceholderText(const QString& text);
    [[nodiscard]] QLineEdit* lineEdit() const { return edit_; }
    [[nodiscard]] QComboBox* unitBox() const { return unit_; }

signals:
    void changed();

private:
    QLineEdit* edit_;
    QComboBox* unit_;
};

/// Locale-aware number parsing that also accepts the C locale's "1.5e3" (users paste from scripts).
[[nodiscard]] std::optional<double> parse_number(const QString& text);
/// Shortest text that parse_number reads back to the same double.
[[nodiscard]] QString number_text(double v);

} // namespace sluice::gui
