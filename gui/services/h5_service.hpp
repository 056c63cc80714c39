#pragma once
// The one place where the GUI touches HDF5. HDF5 is not thread-safe, so every call runs on this
// service's single worker thread (a QThreadPool limited to one thread that never expires); nothing
// else in the app calls HDF5. Results come back as QFutures (of QPromises, which a waiting caller cannot
// run itself), continued on the UI thread with .then(context, ...). One file is open at a time; each open
// gets a new generation number, and requests made for an older generation fail with ErrorKind::cancelled
// instead of reading the new file.
#include "browse/h5_listing.hpp"
#include "h5/usid.hpp"
#include "jobs/job_runner.hpp"
#include "util/error.hpp"

#include <QFuture>
#include <QObject>
#include <QThreadPool>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::gui {

struct OpenedFile {
    std::filesystem::path path;
    std::uint64_t generation = 0;
    std::vector<std::string> main_datasets; ///< h5USID Main datasets, in name order
    std::vector<H5Entry> root;              ///< members of "/"
};

struct DatasetInfo {
    h5::MainDataset main;
    std::vector<double> position_indices; ///< P × d_pos, row-major (pixel chooser's X/Y grid)
};

/// A standalone result file (sluice-engine --output) opened beside the source to compare with it.
struct ResultInfo {
    std::filesystem::path path;
    std::string group;            ///< the results group inside it
    std::uint64_t rows = 0, points = 0;
    bool has_noise_floors = false;
    std::string recipe_json;      ///< the recipe it was made with (canonical JSON)
    std::string source_dataset;   ///< the dataset of the source it was made from
};

/// One pixel of a result: the stored Filtered_Data row and, with a threshold, its stored noise floor.
struct ResultRow {
    std::vector<double> filtered;
    std::optional<double> noise_floor;
};

class H5Service : public QObject {
    Q_OBJECT
public:
    explicit H5Service(QObject* parent = nullptr);
    ~H5Service() override;

    /// Open `path` read-only in place of the current file; on failure the current file stays open.
    [[nodiscard]] QFuture<Result<OpenedFile>> open(std::filesystem::path path);
    [[nodiscard]] QFuture<Result<std::vector<H5Entry>>> listGroup(std::uint64_t generation, std::string path);
    [[nodiscard]] QFuture<Result<std::vector<H5AttributeEntry>>> attributes(std::uint64_t generation,
                                                                            std::string path);
    [[nodiscard]] QFuture<Result<DatasetInfo>> openDataset(std::uint64_t generation, std::string path);
    /// One row of a 2-D dataset as doubles.
    [[nodiscard]] QFuture<Result<std::vector<double>>> readRow(std::uint64_t generation, std::string path,
                                                               std::uint64_t row);
    /// jobs::plan_job for a cluster run: it reads the input's Main dataset, so it runs here too.
    [[nodiscard]] QFuture<Result<jobs::JobPlan>> planClusterJob(jobs::ClusterProfile profile,
                                                                jobs::NewJob job);
    void close();
    /// Open a result file read-only beside the current file (replacing any other result).
    [[nodiscard]] QFuture<Result<ResultInfo>> openResult(std::filesystem::path path);
    /// A row of the open result, read from the file (never recomputed).
    [[nodiscard]] QFuture<Result<ResultRow>> readResultRow(std::uint64_t row);
    void closeResult();
    /// The thread a job runs on: always the same one, whoever waits for the job and how.
    [[nodiscard]] QFuture<Qt::HANDLE> workerThread();

private:
    struct State;
    template <class F>
    auto run(F&& job);

    QThreadPool pool_;
    std::shared_ptr<State> state_; ///< touched only by jobs on pool_
};

} // namespace sluice::gui
