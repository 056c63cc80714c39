#pragma once
// Every job of every profile as a table, newest first: what was filtered (source, dataset, recipe),
// where (this computer or a cluster), its state, progress, the reason it is in that state, and how long
// it has run. A cluster's current problem (a failed poll, the next try) shows on that cluster's active
// jobs and goes with them. Reads JobsService; owns nothing.
#include <QAbstractTableModel>
#include <QDateTime>
#include <QString>

namespace sluice::gui {

class JobsService;

class JobsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        JobColumn,
        SourceColumn,
        DatasetColumn,
        RecipeColumn,
        WhereColumn,
        StateColumn,
        ProgressColumn,
        DetailsColumn,
        ElapsedColumn,
        ColumnCount
    };
    enum Role {
        IdRole = Qt::UserRole + 1,
        StateRole,    ///< the state's name as stored: "running", "done", ...
        ProfileRole,  ///< the profile's name ("local" for this computer)
        FractionRole, ///< rows done / rows total in [0, 1], or -1 when unknown
        ActiveRole,   ///< the job still needs attention (true) or ended (false)
    };

    explicit JobsModel(JobsService& service, QObject* parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    /// The row of a job id, or -1.
    [[nodiscard]] int rowOf(const QString& id) const;
    /// The state as a user reads it: "Running", "Stopped — resumable", "Waiting in the queue", ...
    [[nodiscard]] static QString stateText(const QString& state, const QString& profile);
    /// "This computer" for the local profile, else the profile's name.
    [[nodiscard]] static QString whereText(const QString& profile);
    /// "m:ss" or "h:mm:ss"; empty for a negative count.
    [[nodiscard]] static QString durationText(std::int64_t seconds);
    /// The recipe's filters in words, or that it cannot be read.
    [[nodiscard]] static QString recipeText(const std::string& recipe_json);
    /// The walltime the job asked for (its resources as submitted); empty when none.
    [[nodiscard]] static QString walltimeOf(const std::string& resources_json);

private:
    void refresh();

    JobsService& service_;
    int rows_ = 0;
};

} // namespace sluice::gui
