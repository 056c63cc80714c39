#include "widgets/plot_export.hpp"

#include <QFileInfo>
#include <QSvgGenerator>
#include <qcustomplot.h>
#include <vector>

namespace sluice::gui {
namespace {

QString csv_field(QString text) {
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n')) return text;
    return u'"' + text.replace(u'"', QStringLiteral("\"\"")) + u'"';
}

QString number(double v) {
    return QString::number(v, 'g', 17);
}

bool same_keys(const QCPGraph& a, const QCPGraph& b) {
    if (a.data()->size() != b.data()->size()) return false;
    for (auto i = a.data()->constBegin(), j = b.data()->constBegin(); i != a.data()->constEnd(); ++i, ++j)
        if (i->key != j->key) return false;
    return true;
}

bool is_level(const QCPGraph& g) {
    return g.data()->size() == 2 && g.data()->at(0)->value == g.data()->at(1)->value;
}

} // namespace

Status save_plot_image(QCustomPlot& plot, const QString& path, QSize size) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == u"png") {
        ok = plot.savePng(path, size.width(), size.height());
    } else if (suffix == u"pdf") {
        ok = plot.savePdf(path, size.width(), size.height());
    } else if (suffix == u"svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(QStringLiteral("Sluice plot"));
        QCPPainter painter;
        if (painter.begin(&svg)) {
            plot.toPainter(&painter, size.width(), size.height());
            ok = painter.end();
        }
    } else {
        return fail(
            ErrorKind::bad_input,
            QStringLiteral("“%1” has no known image suffix: use .png, .svg or .pdf").arg(path).toStdString());
    }
    if (!ok) return fail(ErrorKind::io, QStringLiteral("could not write %1").arg(path).toStdString());
    return {};
}

QString plot_csv(const QCustomPlot& plot) {
    const QCPGraph* base = nullptr;
    std::vector<const QCPGraph*> columns;
    std::vector<const QCPGraph*> levels;
    for (int i = 0; i < plot.graphCount(); ++i) {
        const QCPGraph* g = plot.graph(i);
        if (!g->visible() || g->data()->isEmpty()) continue;
        if (!base) base = g;
        if (same_keys(*base, *g))
            columns.push_back(g);
        else if (is_level(*g))
            levels.push_back(g);
    }
    if (!base) return {};
    QStringList header{csv_field(base->keyAxis()->label())};
    for (const auto* g : columns)
        header << csv_field(g->name());
    for (const auto* g : levels)
        header << csv_field(g->name());
    QString out = header.join(u',') + u'\n';
    std::vector<QCPGraphDataContainer::const_iterator> at;
    for (const auto* g : columns)
        at.push_back(g->data()->constBegin());
    for (auto key = base->data()->constBegin(); key != base->data()->constEnd(); ++key) {
        out += number(key->key);
        for (auto& it : at)
            out += u',' + number((it++)->value);
        for (const auto* g : levels)
            out += u',' + number(g->data()->at(0)->value);
        out += u'\n';
    }
    return out;
}

} // namespace sluice::gui
