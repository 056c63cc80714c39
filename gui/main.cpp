// sluice: the desktop application. Everything lives in sluice_gui; this only reads the command line.
#include "app/first_paint_probe.hpp"
#include "app/main_window.hpp"
#include "sluice/version.hpp"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("sluice"));
    QApplication::setApplicationDisplayName(QStringLiteral("Sluice"));
    QApplication::setOrganizationName(QStringLiteral("sluice"));
    QApplication::setApplicationVersion(QString::fromUtf8(sluice::version));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "FFT filtering of h5USID datasets"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QApplication::translate("main", "HDF5 file to open"),
                                 QStringLiteral("[file]"));
    parser.process(app);

    sluice::gui::MainWindow window;
    (void)sluice::gui::install_first_paint_probe(window);
    window.show();
    if (const auto files = parser.positionalArguments(); !files.isEmpty()) window.openFile(files.front());
    return app.exec();
}
