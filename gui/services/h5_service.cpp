#include "services/h5_service.hpp"

#include "signal/row_filter.hpp"
#include "util/memory_budget.hpp"

#include <QPromise>
#include <QThread>
#include <fmt/format.h>
#include <map>
#include <type_traits>

namespace sluice::gui {
namespace {

template <class T>
struct is_expected : std::false_type {};
template <class T, class E>
struct is_expected<std::expected<T, E>> : std::true_type {};

} // namespace

struct H5Service::State {
    std::optional<h5::BrowseFile> file;
    std::uint64_t generation = 0;
    std::optional<h5::BrowseFile> result; ///< the result compared with the current file
    std::string result_group;

    [[nodiscard]] Result<h5::BrowseFile*> at(std::uint64_t wanted) {
        if (!file || wanted != generation) return fail(ErrorKind::cancelled, "the file was closed");
        return &*file;
    }
};

// Not QtConcurrent::run: a QFuture that knows its runnable lets a caller blocked in result() or
// waitForFinished() steal a job that has not started and run it on the caller's own thread, i.e. HDF5 on
// two threads at once. A QPromise's future has no runnable, so every job stays on pool_'s one thread.
template <class F>
auto H5Service::run(F&& job) {
    using R = std::invoke_result_t<F&, State&>;
    auto promise = std::make_shared<QPromise<R>>();
    QFuture<R> future = promise->future();
    promise->start();
    pool_.start([promise, state = state_, job = std::forward<F>(job)]() mutable {
        // A job that throws (std::bad_alloc, a library's exception) answers with an error for a dialog
        // instead of ending the app.
        try {
            if constexpr (std::is_void_v<R>)
                job(*state);
            else
                promise->addResult(job(*state));
        } catch (const std::exception& e) {
            if constexpr (is_expected<R>::value)
                promise->addResult(
                    R(fail(ErrorKind::internal, fmt::format("unexpected error: {}", e.what()))));
        } catch (...) {
            if constexpr (is_expected<R>::value)
                promise->addResult(R(fail(ErrorKind::internal, "unexpected error (unknown exception)")));
        }
        promise->finish();
    });
    return future;
}

H5Service::H5Service(QObject* parent) : QObject(parent), state_(std::make_shared<State>()) {
    pool_.setMaxThreadCount(1);
    pool_.setExpiryTimeout(-1);
}

H5Service::~H5Service() {
    close();
    pool_.waitForDone();
}

QFuture<Result<OpenedFile>> H5Service::open(std::filesystem::path path) {
    return run([path = std::move(path)](State& s) -> Result<OpenedFile> {
        // The current file stays open until the new one has proved readable.
        auto file = h5::BrowseFile::open(path);
        if (!file) return propagate(file);
        auto root = file->list_group("/");
        if (!root) return propagate(root);
        OpenedFile out{.path = path,
                       .generation = ++s.generation,
                       .main_datasets = file->main_datasets(),
                       .root = std::move(*root)};
        s.file = std::move(*file);
        return out;
    });
}

QFuture<Result<std::vector<h5::Entry>>> H5Service::listGroup(std::uint64_t generation, std::string path) {
    return run([generation, path = std::move(path)](State& s) -> Result<std::vector<h5::Entry>> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        return (*f)->list_group(path);
    });
}

QFuture<Result<std::vector<h5::AttributeEntry>>> H5Service::attributes(std::uint64_t generation,
                                                                       std::string path) {
    return run([generation, path = std::move(path)](State& s) -> Result<std::vector<h5::AttributeEntry>> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        return (*f)->attributes(path);
    });
}

QFuture<Result<DatasetInfo>> H5Service::openDataset(std::uint64_t generation, std::string path) {
    return run([generation, path = std::move(path)](State& s) -> Result<DatasetInfo> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        auto main = (*f)->main_dataset(path);
        if (!main) return propagate(main);
        if (!main->not_filterable.empty())
            return fail(ErrorKind::bad_input, fmt::format("{} is an h5USID Main dataset, but {}", main->path,
                                                          main->not_filterable));
        DatasetInfo info{.main = std::move(*main), .position_indices = {}};
        const auto& pos = info.main.position_indices;
        if (auto ok =
                check_memory(fmt::format("the positions of {} ({} × {})", info.main.path,
                                         grouped(pos.shape[0]), pos.shape[1]),
                             pos.shape[0] * std::min<std::uint64_t>(pos.shape[1], 1u << 20), sizeof(double));
            !ok)
            return propagate(ok);
        info.position_indices.resize(pos.shape[0] * pos.shape[1]);
        if (auto ok = (*f)->read_rows(pos.path, 0, pos.shape[0], info.position_indices); !ok)
            return std::unexpected(ok.error().context("reading " + pos.path));
        return info;
    });
}

QFuture<Result<jobs::JobPlan>> H5Service::planClusterJob(jobs::ClusterProfile profile, jobs::NewJob job) {
    return run([profile = std::move(profile), job = std::move(job)](State&) {
        return jobs::plan_job(profile, job);
    });
}

QFuture<Result<std::vector<double>>> H5Service::readRow(std::uint64_t generation, std::string path,
                                                        std::uint64_t row) {
    return run([generation, path = std::move(path), row](State& s) -> Result<std::vector<double>> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        auto dims = (*f)->shape(path);
        if (!dims) return propagate(dims);
        if (dims->size() != 2)
            return fail(ErrorKind::bad_input, fmt::format("{} is not a 2-D dataset", path));
        if (row >= (*dims)[0])
            return fail(ErrorKind::bad_input,
                        fmt::format("row {} is outside {} (it has {} rows)", row, path, (*dims)[0]));
        if (auto ok = check_memory(fmt::format("a row of {} points", grouped((*dims)[1])), (*dims)[1],
                                   signal::row_bytes_per_point);
            !ok)
            return propagate(ok);
        std::vector<double> out((*dims)[1]);
        if (auto ok = (*f)->read_rows(path, row, 1, out); !ok) return propagate(ok);
        return out;
    });
}

QFuture<Result<h5::ValuesPage>> H5Service::readPage(std::uint64_t generation, std::string path,
                                                    h5::PageRequest request) {
    return run([generation, path = std::move(path),
                request = std::move(request)](State& s) -> Result<h5::ValuesPage> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        return (*f)->read_page(path, request);
    });
}

QFuture<Result<std::vector<double>>> H5Service::rowRms(std::uint64_t generation, std::string path,
                                                       std::uint64_t first, std::uint64_t count) {
    return run([generation, path = std::move(path), first, count](State& s) -> Result<std::vector<double>> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        return (*f)->row_rms(path, first, count);
    });
}

QFuture<Result<std::vector<double>>> H5Service::noiseFloors(std::uint64_t generation, std::string group) {
    return run([generation, group = std::move(group)](State& s) -> Result<std::vector<double>> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        return (*f)->noise_floors(group);
    });
}

QFuture<Result<h5::ResultRecipe>> H5Service::resultRecipe(std::uint64_t generation, std::string group) {
    return run([generation, group = std::move(group)](State& s) -> Result<h5::ResultRecipe> {
        auto f = s.at(generation);
        if (!f) return propagate(f);
        return (*f)->result_recipe(group);
    });
}

QFuture<Result<ResultInfo>> H5Service::openResult(std::filesystem::path path) {
    return run([path = std::move(path)](State& s) -> Result<ResultInfo> {
        s.result.reset();
        auto file = h5::BrowseFile::open(path);
        if (!file) return propagate(file);
        auto summary = file->standalone_result();
        if (!summary) return propagate(summary);
        ResultInfo info;
        static_cast<h5::StandaloneResult&>(info) = std::move(*summary);
        info.path = path;
        s.result_group = info.group;
        s.result = std::move(*file);
        return info;
    });
}

QFuture<Result<ResultRow>> H5Service::readResultRow(std::uint64_t row) {
    return run([row](State& s) -> Result<ResultRow> {
        if (!s.result) return fail(ErrorKind::cancelled, "no result is open");
        const auto filtered = s.result_group + "/Filtered_Data";
        auto dims = s.result->shape(filtered);
        if (!dims) return propagate(dims);
        if (row >= (*dims)[0])
            return fail(ErrorKind::bad_input, fmt::format("the result has no row {}", row));
        ResultRow out;
        out.filtered.resize((*dims)[1]);
        if (auto ok = s.result->read_rows(filtered, row, 1, out.filtered); !ok) return propagate(ok);
        const auto floors = s.result_group + "/Noise_Floors";
        if (s.result->exists(floors)) {
            std::vector<double> floor(1);
            if (auto ok = s.result->read_rows(floors, row, 1, floor); !ok) return propagate(ok);
            out.noise_floor = floor[0];
        }
        return out;
    });
}

void H5Service::closeResult() {
    (void)run([](State& s) { s.result.reset(); });
}

QFuture<Qt::HANDLE> H5Service::workerThread() {
    return run([](State&) { return QThread::currentThreadId(); });
}

void H5Service::close() {
    (void)run([](State& s) { s.file.reset(); });
}

} // namespace sluice::gui
