#pragma once
// Help → User Guide: docs/USER_GUIDE.md rendered by Qt's own Markdown support, with its screenshots and
// the documents it links to, from the installed copy (<prefix>/share/sluice/doc) or else this source tree.
#include <QString>

class QWidget;

namespace sluice::gui {

/// USER_GUIDE.md beside the running executable's installation, or the source tree's; empty if neither.
[[nodiscard]] QString user_guide_path();

/// Shows the guide in a window of its own (one per parent; raised when it is open already). Returns
/// false, after telling the user where the guide should have been, when there is none.
bool show_user_guide(QWidget* parent);

} // namespace sluice::gui
