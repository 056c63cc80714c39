#include "services/h5_service.hpp"

#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/attributes.hpp"
#include "h5/result_group.hpp"
#include "h5/rows.hpp"
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
    h5::File file;
    std::uint64_t generation = 0;
    std::map<std::string, h5::Dataset> datasets; ///< opened once per file for repeated row reads

    [[nodiscard]] Status check(std::uint64_t wanted) const {
        if (!file || wanted != generation) return fail(ErrorKind::cancelled, "the file was closed");
        return {};
    }
    Result<hid_t> dataset(const std::string& path) {
        if (auto it = datasets.find(path); it != datasets.end()) return it->second.get();
        auto d = h5::open_dataset(file.get(), path);
        if (!d) return std::unexpected(d.error());
        const hid_t id = d->get();
        datasets.emplace(path, std::move(*d));
        return id;
    }
    void reset() {
        datasets.clear();
        file.reset();
    }

    // The result compared with the current file.
    h5::File result;
    h5::Dataset result_filtered, result_floors;
    void reset_result() {
        result_floors.reset();
        result_filtered.reset();
        result.reset();
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
                promise->addResult(R(fail(ErrorKind::internal, fmt::format("unexpected error: {}", e.what()))));
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
    (void)run([](State&) { h5::silence_error_printing(); });
}

H5Service::~H5Service() {
    close();
    pool_.waitForDone();
}

QFuture<Result<OpenedFile>> H5Service::open(std::filesystem::path path) {
    return run([path = std::move(path)](State& s) -> Result<OpenedFile> {
        // The current file stays open until the new one has proved readable.
        auto file = h5::open_file(path, h5::Access::read_only);
        if (!file) return std::unexpected(file.error());
        auto root = list_group(file->get(), "/");
        if (!root) return std::unexpected(root.error());
        s.reset();
        ++s.generation;
        OpenedFile out{.path = path,
                       .generation = s.generation,
                       .main_datasets = h5::find_main_datasets(file->get()),
                       .root = std::move(*root)};
        s.file = std::move(*file);
        return out;
    });
}

QFuture<Result<std::vector<H5Entry>>> H5Service::listGroup(std::uint64_t generation, std::string path) {
    return run([generation, path = std::move(path)](State& s) -> Result<std::vector<H5Entry>> {
        if (auto ok = s.check(generation); !ok) return std::unexpected(ok.error());
        return list_group(s.file.get(), path);
    });
}

QFuture<Result<std::vector<H5AttributeEntry>>> H5Service::attributes(std::uint64_t generation,
                                                                     std::string path) {
    return run([generation, path = std::move(path)](State& s) -> Result<std::vector<H5AttributeEntry>> {
        if (auto ok = s.check(generation); !ok) return std::unexpected(ok.error());
        return list_attributes(s.file.get(), path);
    });
}

QFuture<Result<DatasetInfo>> H5Service::openDataset(std::uint64_t generation, std::string path) {
    return run([generation, path = std::move(path)](State& s) -> Result<DatasetInfo> {
        if (auto ok = s.check(generation); !ok) return std::unexpected(ok.error());
        auto main = h5::read_main_dataset(s.file.get(), path);
        if (!main) return std::unexpected(main.error());
        if (!main->not_filterable.empty())
            return fail(ErrorKind::bad_input,
                        fmt::format("{} is an h5USID Main dataset, but {}", main->path, main->not_filterable));
        DatasetInfo info{.main = std::move(*main), .position_indices = {}};
        const auto& pos = info.main.position_indices;
        if (auto ok = check_memory(fmt::format("the positions of {} ({} × {})", info.main.path,
                                               grouped(pos.shape[0]), pos.shape[1]),
                                   pos.shape[0] * std::min<std::uint64_t>(pos.shape[1], 1u << 20), sizeof(double));
            !ok)
            return std::unexpected(ok.error());
        auto ds = s.dataset(pos.path);
        if (!ds) return std::unexpected(ds.error());
        info.position_indices.resize(pos.shape[0] * pos.shape[1]);
        if (auto ok = h5::read_rows(*ds, 0, pos.shape[0], info.position_indices); !ok)
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
        if (auto ok = s.check(generation); !ok) return std::unexpected(ok.error());
        auto ds = s.dataset(path);
        if (!ds) return std::unexpected(ds.error());
        h5::Dataspace space(H5Dget_space(*ds));
        hsize_t dims[2] = {0, 0};
        if (!space || H5Sget_simple_extent_ndims(space.get()) != 2 ||
            H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0)
            return fail(ErrorKind::bad_input, fmt::format("{} is not a 2-D dataset", path));
        if (row >= dims[0])
            return fail(ErrorKind::bad_input,
                        fmt::format("row {} is outside {} (it has {} rows)", row, path, dims[0]));
        if (auto ok = check_memory(fmt::format("a row of {} points", grouped(dims[1])), dims[1],
                                   row_bytes_per_point);
            !ok)
            return std::unexpected(ok.error());
        std::vector<double> out(dims[1]);
        if (auto ok = h5::read_rows(*ds, row, 1, out); !ok) return std::unexpected(ok.error());
        return out;
    });
}

QFuture<Result<ResultInfo>> H5Service::openResult(std::filesystem::path path) {
    return run([path = std::move(path)](State& s) -> Result<ResultInfo> {
        s.reset_result();
        auto file = h5::open_file(path, h5::Access::read_only);
        if (!file) return std::unexpected(file.error());
        auto group = h5::find_standalone_group(file->get());
        if (!group) return std::unexpected(group.error().context(path.string()));
        auto g = h5::open_group(file->get(), *group);
        if (!g) return std::unexpected(g.error());
        ResultInfo info;
        info.path = path;
        info.group = *group;
        if (auto r = h5::read_string_attribute(g->get(), "sluice_recipe")) info.recipe_json = *r;
        if (auto d = h5::read_string_attribute(g->get(), "sluice_source_dataset")) info.source_dataset = *d;
        auto filtered = h5::open_dataset(file->get(), *group + "/Filtered_Data");
        if (!filtered) return std::unexpected(filtered.error());
        h5::Dataspace space(H5Dget_space(filtered->get()));
        hsize_t dims[2] = {0, 0};
        if (!space || H5Sget_simple_extent_ndims(space.get()) != 2 ||
            H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0)
            return fail(ErrorKind::bad_input, *group + "/Filtered_Data is not a 2-D dataset");
        info.rows = dims[0];
        info.points = dims[1];
        if (h5::path_exists(file->get(), *group + "/Noise_Floors")) {
            auto floors = h5::open_dataset(file->get(), *group + "/Noise_Floors");
            if (!floors) return std::unexpected(floors.error());
            s.result_floors = std::move(*floors);
            info.has_noise_floors = true;
        }
        s.result_filtered = std::move(*filtered);
        s.result = std::move(*file);
        return info;
    });
}

QFuture<Result<ResultRow>> H5Service::readResultRow(std::uint64_t row) {
    return run([row](State& s) -> Result<ResultRow> {
        if (!s.result) return fail(ErrorKind::cancelled, "no result is open");
        h5::Dataspace space(H5Dget_space(s.result_filtered.get()));
        hsize_t dims[2] = {0, 0};
        H5Sget_simple_extent_dims(space.get(), dims, nullptr);
        if (row >= dims[0]) return fail(ErrorKind::bad_input, fmt::format("the result has no row {}", row));
        ResultRow out;
        out.filtered.resize(dims[1]);
        if (auto ok = h5::read_rows(s.result_filtered.get(), row, 1, out.filtered); !ok)
            return std::unexpected(ok.error());
        if (s.result_floors) {
            std::vector<double> floor(1);
            if (auto ok = h5::read_rows(s.result_floors.get(), row, 1, floor); !ok) return std::unexpected(ok.error());
            out.noise_floor = floor[0];
        }
        return out;
    });
}

void H5Service::closeResult() {
    (void)run([](State& s) { s.reset_result(); });
}

QFuture<Qt::HANDLE> H5Service::workerThread() {
    return run([](State&) { return QThread::currentThreadId(); });
}

void H5Service::close() {
    (void)run([](State& s) { s.reset(); });
}

} // namespace sluice::gui
