#pragma once
// The core library speaks UTF-8 std::string; widgets speak QString.
#include <QString>
#include <string>

namespace sluice::gui {

[[nodiscard]] inline QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace sluice::gui
