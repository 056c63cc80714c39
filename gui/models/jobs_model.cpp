#include "models/jobs_model.hpp"

#include "jobs/local_profile.hpp"
#include "qstring_from.hpp"
#include "recipe/recipe_text.hpp"
#include "services/jobs_service.hpp"

#include <QBrush>
#include <QColor>
#include <QFileInfo>
#include <QLocale>
#include <nlohmann/json.hpp>

namespace sluice::gui {
JobsModel::JobsModel(JobsService& service, QObject* parent) : QAbstractTableModel(parent), service_(service) {
    connect(&service_, &JobsService::jobsChanged, this, &JobsModel::refresh);
    connect(&service_, &JobsService::problemsChanged, this, &JobsModel::refresh);
    refresh();
}

void JobsModel::refresh() {
    const int rows = static_cast<int>(service_.jobs().size());
    if (rows != rows_) {
        beginResetModel();
        rows_ = rows;
        endResetModel();
        return;
    }
    if (rows > 0) emit dataChanged(index(0, 0), index(rows - 1, ColumnCount - 1));
}

int JobsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : rows_;
}

int JobsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

int JobsModel::rowOf(const QString& id) const {
    for (int r = 0; r < rows_; ++r)
        if (index(r, 0).data(IdRole).toString() == id) return r;
    return -1;
}

QString JobsModel::durationText(std::int64_t seconds) {
    if (seconds < 0) return {};
    if (seconds < 3600)
        return QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2:%3")
        .arg(seconds / 3600)
        .arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'))
        .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

QString JobsModel::recipeText(const std::string& json) {
    auto r = recipe::parse_recipe(json);
    return r ? q(recipe::recipe_summary(*r)) : tr("(unreadable recipe)");
}

QString JobsModel::walltimeOf(const std::string& resources_json) {
    const auto j = nlohmann::json::parse(resources_json, nullptr, false);
    return j.is_object() ? q(j.value("walltime", std::string())) : QString();
}

QString JobsModel::whereText(const QString& profile) {
    return profile == QLatin1String(jobs::local_profile_name) ? tr("This computer") : profile;
}

QString JobsModel::stateText(const QString& state, const QString& profile) {
    const bool here = profile == QLatin1String(jobs::local_profile_name);
    if (state == QLatin1String("draft")) return tr("Waiting to be sent");
    if (state == QLatin1String("uploading")) return tr("Uploading");
    if (state == QLatin1String("submitted")) return here ? tr("Starting") : tr("Submitted");
    if (state == QLatin1String("pending")) return tr("Waiting in the queue");
    if (state == QLatin1String("running")) return tr("Running");
    if (state == QLatin1String("stopped")) return tr("Stopped — resumable");
    if (state == QLatin1String("resubmitted")) return here ? tr("Resuming") : tr("Resubmitted");
    if (state == QLatin1String("completed")) return tr("Completed");
    if (state == QLatin1String("failed")) return tr("Failed");
    if (state == QLatin1String("cancelled")) return tr("Cancelled");
    if (state == QLatin1String("downloading")) return tr("Downloading");
    if (state == QLatin1String("done")) return tr("Done");
    return state;
}

QVariant JobsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case JobColumn:
        return tr("Job");
    case SourceColumn:
        return tr("Source");
    case DatasetColumn:
        return tr("Dataset");
    case RecipeColumn:
        return tr("Recipe");
    case WhereColumn:
        return tr("Where");
    case StateColumn:
        return tr("State");
    case ProgressColumn:
        return tr("Progress");
    case DetailsColumn:
        return tr("Details");
    case ElapsedColumn:
        return tr("Elapsed");
    default:
        return {};
    }
}

QVariant JobsModel::data(const QModelIndex& index, int role) const {
    const auto& all = service_.jobs();
    if (!index.isValid() || index.row() >= static_cast<int>(all.size())) return {};
    // Newest first: the job just started is at the top.
    const auto& j = all[all.size() - 1 - static_cast<std::size_t>(index.row())];
    const QString id = q(j.id), profile = q(j.profile), state = q(std::string(to_string(j.state)));
    const bool active = jobs::needs_attention(j.state) && j.state != jobs::JobState::stopped;
    const auto live = service_.live(id);
    const std::int64_t rows_done = live ? std::max(live->rows_done, j.rows_done) : j.rows_done;
    // What went wrong with this job, or with its cluster while it is active: shown on its row only.
    QString problem = service_.failureOf(id);
    if (problem.isEmpty() && active) problem = service_.problemOf(profile);

    switch (role) {
    case IdRole:
        return id;
    case StateRole:
        return state;
    case ProfileRole:
        return profile;
    case ActiveRole:
        return active;
    case FractionRole:
        return j.rows_total > 0 ? static_cast<double>(rows_done) / static_cast<double>(j.rows_total) : -1.0;
    case Qt::ForegroundRole:
        if (index.column() == DetailsColumn && !problem.isEmpty()) return QBrush(QColor(176, 0, 32));
        if (index.column() == StateColumn && j.state == jobs::JobState::failed)
            return QBrush(QColor(176, 0, 32));
        return {};
    case Qt::ToolTipRole:
        if (index.column() == SourceColumn) return q(j.local_input);
        if (index.column() == RecipeColumn) return recipeText(j.recipe_json);
        if (index.column() == DetailsColumn) return problem.isEmpty() ? q(j.message) : problem;
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    const QLocale l;
    switch (index.column()) {
    case JobColumn:
        return id;
    case SourceColumn:
        return QFileInfo(q(j.local_input)).fileName();
    case DatasetColumn:
        return q(j.dataset);
    case RecipeColumn:
        return recipeText(j.recipe_json);
    case WhereColumn:
        return whereText(profile);
    case StateColumn:
        // The engine's own word is fresher than the last poll's while a run here starts.
        if (live && active && live->state == "running") return stateText(QStringLiteral("running"), profile);
        return stateText(state, profile);
    case ProgressColumn: {
        if (j.rows_total <= 0) return {};
        QString s = tr("%1 / %2 rows").arg(l.toString(rows_done), l.toString(j.rows_total));
        if (live && active && live->rows_per_s > 0) {
            s += tr(" · %1/s").arg(l.toString(live->rows_per_s, 'f', 0));
            if (live->eta_s > 0)
                s += tr(" · %1 left").arg(durationText(static_cast<std::int64_t>(live->eta_s)));
        }
        return s;
    }
    case DetailsColumn: {
        if (!problem.isEmpty()) return problem;
        if (!j.merged_into.empty()) return tr("Merged into %1").arg(q(j.merged_into));
        if (j.state == jobs::JobState::pending && !j.queue_reason.empty())
            return tr("%1 (waiting: %2)").arg(q(j.message), q(j.queue_reason));
        return q(j.message);
    }
    case ElapsedColumn: {
        const auto end = active ? jobs::WallClock::now() : j.updated;
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(end - j.created).count();
        const QString wall = walltimeOf(j.resources_json);
        return profile == QLatin1String(jobs::local_profile_name) || wall.isEmpty()
                   ? durationText(seconds)
                   : tr("%1 of %2").arg(durationText(seconds), wall);
    }
    default:
        return {};
    }
}

} // namespace sluice::gui
