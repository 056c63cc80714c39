#pragma once
// main() for GUI tests: QSettings and run records go to a throw-away directory so that tests never read or
// change the user's settings (and do not see each other's).
#include "common/h5_fixtures.hpp"

#include <QApplication>
#include <QtTest>

#define SLUICE_GUI_TEST_MAIN(TestClass)                                                                      \
    int main(int argc, char** argv) {                                                                        \
        sluice::test::TempDir config;                                                                        \
        qputenv("XDG_CONFIG_HOME", QByteArray::fromStdString(config.path().string()));                       \
        qputenv("XDG_DATA_HOME", QByteArray::fromStdString((config.path() / "data").string()));              \
        QApplication app(argc, argv);                                                                        \
        QApplication::setOrganizationName(QStringLiteral("sluice-tests"));                                   \
        QApplication::setApplicationName(QStringLiteral(#TestClass));                                        \
        TestClass test;                                                                                      \
        return QTest::qExec(&test, argc, argv);                                                              \
    }
