#pragma once
// The one place where the GUI touches HDF5, always through h5::BrowseFile (the GUI sees no HDF5
// header). HDF5 is not thread-safe, so every call runs on this service's single worker thread (a QThreadPool
// limited to one thread that never expires); nothing else in the app calls HDF5. Results come back as
// QFutures (of QPromises, which a waiting caller cannot run itself), continued on the UI thread with
// .then(context, ...). One file is open at a time; each open gets a new generation number, and requests made
// for an older generation fail with ErrorKind::cancelled instead of reading the new file.
#include "h5/browse.hpp"
#include "h5/main_dataset.hpp"
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
    std::vector<h5::Entry> root;            ///< members of "/"
};

struct DatasetInfo {
    h5::MainDataset main;
    std::vector<double> position_indices; ///< P × d_pos, row-major (pixel chooser's X/Y grid)
};

/// A standalone result file (sluice-engine --output) opened beside the source to compare with it.
struct ResultInfo : h5::StandaloneResult {
    std::filesystem::path path;
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
    [[nodiscard]] QFuture<Result<std::vector<h5::Entry>>> listGroup(std::uint64_t generation,
                                                                    std::string path);
    [[nodiscard]] QFuture<Result<std::vector<h5::AttributeEntry>>> attributes(std::uint64_t generation,
                                                                              std::string path);
    [[nodiscard]] QFuture<Result<DatasetInfo>> openDataset(std::uint64_t generation, std::string path);
    /// One row of a 2-D dataset as doubles.
    [[nodiscard]] QFuture<Result<std::vector<double>>> readRow(std::uint64_t generation, std::string path,
                                                               std::uint64_t row);
    /// A bounded page of any dataset's values (h5::max_page_values, h5::max_page_bytes).
    [[nodiscard]] QFuture<Result<h5::ValuesPage>> readPage(std::uint64_t generation, std::string path,
                                                           h5::PageRequest request);
    /// RMS of rows [first, first+count) of a 2-D dataset: one block, so that a caller can show progress
    /// and stop between blocks.
    [[nodiscard]] QFuture<Result<std::vector<double>>> rowRms(std::uint64_t generation, std::string path,
                                                              std::uint64_t first, std::uint64_t count);
    /// The stored Noise_Floors of the results group `group`.
    [[nodiscard]] QFuture<Result<std::vector<double>>> noiseFloors(std::uint64_t generation,
                                                                   std::string group);
    /// The recipe the results group `group` was made with.
    [[nodiscard]] QFuture<Result<h5::ResultRecipe>> resultRecipe(std::uint64_t generation, std::string group);
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
