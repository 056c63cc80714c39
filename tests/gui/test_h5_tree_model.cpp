// The HDF5 tree model: lazy listing (a group is read only when expanded), h5USID Main datasets marked,
// attributes described, stale requests refused; checked throughout by QAbstractItemModelTester.
#include "common/h5_fixtures.hpp"
#include "gui_test_main.hpp"
#include "models/h5_tree_model.hpp"
#include "services/h5_service.hpp"

#include <QAbstractItemModelTester>
#include <QThread>
#include <QTreeView>
#include <QtTest>
#include <algorithm>
#include <fstream>

using namespace sluice;
using namespace sluice::gui;

namespace {

const QString kChannel = QStringLiteral("/Measurement_000/Channel_000");
const QString kRaw = kChannel + QStringLiteral("/Raw_Data");

QStringList child_names(const QAbstractItemModel& m, const QModelIndex& parent) {
    QStringList out;
    for (int r = 0; r < m.rowCount(parent); ++r)
        out << m.index(r, 0, parent).data().toString();
    return out;
}

} // namespace

class TestH5TreeModel : public QObject {
    Q_OBJECT
private slots:
    void listsLazilyAndMarksMainDatasets() {
        H5Service service;
        H5TreeModel model(service);
        auto opened = service.open(test::golden("p2048-input.h5")).result();
        QVERIFY2(opened.has_value(), opened ? "" : opened.error().message.c_str());
        QCOMPARE(opened->main_datasets, std::vector<std::string>{kRaw.toStdString()});
        model.setFile(*opened);

        QCOMPARE(child_names(model, {}), QStringList{QStringLiteral("Measurement_000")});
        const QModelIndex measurement = model.index(0, 0);
        // Nothing below the root is read until a view expands it.
        QVERIFY(model.hasChildren(measurement));
        QCOMPARE(model.rowCount(measurement), 0);
        QVERIFY(model.canFetchMore(measurement));
        QVERIFY(!model.indexForPath(kChannel).isValid());
        QCOMPARE(model.pendingFetches(), 0);

        QTreeView view;
        view.setModel(&model);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.expand(measurement); // the view calls fetchMore
        QTRY_COMPARE(model.pendingFetches(), 0);
        QVERIFY(!model.canFetchMore(measurement));
        const QModelIndex channel = model.indexForPath(kChannel);
        QVERIFY(channel.isValid());
        QCOMPARE(model.rowCount(channel), 0); // still lazy one level down
        QVERIFY(model.canFetchMore(channel));

        // From here on the tester checks every change (it also fetches whatever it visits).
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);

        view.expand(channel);
        QTRY_COMPARE(model.pendingFetches(), 0);
        QCOMPARE(child_names(model, channel), (QStringList{"Position_Indices", "Position_Values", "Raw_Data",
                                                           "Spectroscopic_Indices", "Spectroscopic_Values"}));
        const QModelIndex raw = model.indexForPath(kRaw);
        QVERIFY(raw.data(H5TreeModel::IsMainRole).toBool());
        QCOMPARE(raw.siblingAtColumn(H5TreeModel::KindColumn).data().toString(),
                 QStringLiteral("Main dataset"));
        QCOMPARE(raw.siblingAtColumn(H5TreeModel::ShapeColumn).data().toString(),
                 QStringLiteral("(12, 2048) float32"));
        QVERIFY(raw.data(Qt::FontRole).value<QFont>().bold());
        const QModelIndex pos = model.indexForPath(kChannel + "/Position_Indices");
        QVERIFY(!pos.data(H5TreeModel::IsMainRole).toBool());
        QCOMPARE(pos.siblingAtColumn(H5TreeModel::KindColumn).data().toString(), QStringLiteral("Dataset"));
        QVERIFY(!model.hasChildren(raw));
    }

    void describesAttributes() {
        H5Service service;
        auto opened = service.open(test::golden("p2048-input.h5")).result();
        QVERIFY(opened.has_value());
        auto channel = service.attributes(opened->generation, kChannel.toStdString()).result();
        QVERIFY(channel.has_value());
        const auto rate =
            std::ranges::find(*channel, std::string("IO_samp_rate_[Hz]"), &h5::AttributeEntry::name);
        QVERIFY(rate != channel->end());
        QCOMPARE(rate->type, std::string("float64"));
        QCOMPARE(rate->value, std::string("2000000"));

        auto raw = service.attributes(opened->generation, kRaw.toStdString()).result();
        QVERIFY(raw.has_value());
        const auto ref = std::ranges::find(*raw, std::string("Position_Indices"), &h5::AttributeEntry::name);
        QVERIFY(ref != raw->end());
        QCOMPARE(ref->type, std::string("reference"));
        QCOMPARE(QString::fromStdString(ref->value), QStringLiteral("→ ") + kChannel + "/Position_Indices");
        const auto quantity = std::ranges::find(*raw, std::string("quantity"), &h5::AttributeEntry::name);
        QVERIFY(quantity != raw->end());
        QCOMPARE(quantity->type, std::string("string"));
        QVERIFY(!quantity->value.empty());
    }

    void refusesRequestsForAClosedFile() {
        H5Service service;
        auto first = service.open(test::golden("p2048-input.h5")).result();
        QVERIFY(first.has_value());
        auto second = service.open(test::golden("p1023-input.h5")).result();
        QVERIFY(second.has_value());
        QVERIFY(second->generation != first->generation);
        auto stale = service.listGroup(first->generation, "/").result();
        QVERIFY(!stale.has_value());
        QCOMPARE(stale.error().kind, ErrorKind::cancelled);
        auto fresh = service.readRow(second->generation, kRaw.toStdString(), 6).result();
        QVERIFY(fresh.has_value());
        QCOMPARE(fresh->size(), std::size_t{1023});
        const auto all = test::read_f64(test::golden("p1023-input.h5"), kRaw.toStdString());
        QVERIFY(std::equal(fresh->begin(), fresh->end(), all.begin() + 6 * 1023));
    }

    // A caller blocked on a job that has not started yet must not run it itself (QtConcurrent's futures do
    // exactly that), or HDF5 runs on two threads at once and corrupts its state.
    void runsEveryJobOnItsOneThread() {
        H5Service service;
        std::vector<QFuture<Qt::HANDLE>> jobs;
        for (int i = 0; i < 50; ++i)
            jobs.push_back(service.workerThread());
        const Qt::HANDLE worker = jobs.back().result(); // waited for while the others are still queued
        QVERIFY(worker != QThread::currentThreadId());
        for (auto& job : jobs)
            QCOMPARE(job.result(), worker);
    }

    void keepsTheOpenFileWhenAnotherCannotBeOpened() {
        test::TempDir dir;
        std::ofstream(dir / "notes.h5") << "these are not the data you are looking for\n";
        H5Service service;
        auto good = service.open(test::golden("p2048-input.h5")).result();
        QVERIFY(good.has_value());
        auto bad = service.open(dir / "notes.h5").result();
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().kind, ErrorKind::bad_input);
        QVERIFY(service.listGroup(good->generation, "/").result().has_value());
    }
};

SLUICE_GUI_TEST_MAIN(TestH5TreeModel)
#include "test_h5_tree_model.moc"
