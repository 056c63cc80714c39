#include "app/user_guide.hpp"

#include <QCoreApplication>
#include <QDialog>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace sluice::gui {

QString user_guide_path() {
    const QDir bin(QCoreApplication::applicationDirPath());
    for (const QString& candidate : {bin.filePath(QStringLiteral(SLUICE_INSTALLED_DOCS "/USER_GUIDE.md")),
                                     QStringLiteral(SLUICE_SOURCE_DOCS "/USER_GUIDE.md")}) {
        if (QFileInfo(candidate).isFile()) return QFileInfo(candidate).canonicalFilePath();
    }
    return {};
}

bool show_user_guide(QWidget* parent) {
    const QString path = user_guide_path();
    if (path.isEmpty()) {
        QMessageBox::warning(parent, QObject::tr("User Guide"),
                             QObject::tr("The user guide is not installed (USER_GUIDE.md in %1).")
                                 .arg(QDir::cleanPath(QCoreApplication::applicationDirPath() +
                                                      QStringLiteral("/" SLUICE_INSTALLED_DOCS))));
        return false;
    }
    if (auto* open = parent->findChild<QDialog*>(QStringLiteral("userGuide"))) {
        open->show();
        open->raise();
        open->activateWindow();
        return true;
    }
    auto* dialog = new QDialog(parent);
    dialog->setObjectName(QStringLiteral("userGuide"));
    dialog->setWindowTitle(QObject::tr("Sluice User Guide"));
    auto* browser = new QTextBrowser(dialog);
    browser->setObjectName(QStringLiteral("userGuideText"));
    // Links to the other documents open in the same window; web links in the browser.
    browser->setOpenExternalLinks(true);
    browser->setSource(QUrl::fromLocalFile(path), QTextDocument::MarkdownResource);
    auto* layout = new QVBoxLayout(dialog);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(browser);
    dialog->resize(900, 760);
    dialog->show();
    return true;
}

} // namespace sluice::gui
