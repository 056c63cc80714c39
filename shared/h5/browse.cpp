#include "h5/browse.hpp"

#include "h5/attributes.hpp"
#include "h5/filter_attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/listing.hpp"
#include "h5/result_group.hpp"
#include "h5/rows.hpp"
#include "h5/usid.hpp"
#include "h5/values.hpp"
#include "util/memory_budget.hpp"

#include <cmath>
#include <fmt/format.h>
#include <map>

namespace sluice::h5 {

struct BrowseFile::Impl {
    std::filesystem::path path;
    File file;
    std::map<std::string, Dataset> datasets; ///< opened once for repeated reads (rows, pages, blocks)

    Result<hid_t> dataset(const std::string& p) {
        if (auto it = datasets.find(p); it != datasets.end()) return it->second.get();
        auto d = open_dataset(file.get(), p);
        if (!d) return propagate(d);
        const hid_t id = d->get();
        datasets.emplace(p, std::move(*d));
        return id;
    }
};

BrowseFile::BrowseFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BrowseFile::BrowseFile(BrowseFile&&) noexcept = default;
BrowseFile& BrowseFile::operator=(BrowseFile&&) noexcept = default;
BrowseFile::~BrowseFile() = default;

Result<BrowseFile> BrowseFile::open(const std::filesystem::path& path) {
    silence_error_printing();
    auto file = open_file(path, Access::read_only);
    if (!file) return propagate(file);
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->file = std::move(*file);
    return BrowseFile(std::move(impl));
}

const std::filesystem::path& BrowseFile::path() const {
    return impl_->path;
}

std::vector<std::string> BrowseFile::main_datasets() const {
    return find_main_datasets(impl_->file.get());
}

Result<std::vector<Entry>> BrowseFile::list_group(const std::string& group) const {
    return h5::list_group(impl_->file.get(), group);
}

Result<std::vector<AttributeEntry>> BrowseFile::attributes(const std::string& path) const {
    return list_attributes(impl_->file.get(), path);
}

bool BrowseFile::exists(const std::string& path) const {
    return path_exists(impl_->file.get(), path);
}

Result<MainDataset> BrowseFile::main_dataset(const std::string& path) const {
    return read_main_dataset(impl_->file.get(), path);
}

Result<std::vector<std::uint64_t>> BrowseFile::shape(const std::string& dataset) const {
    auto d = impl_->dataset(dataset);
    if (!d) return propagate(d);
    Dataspace space(H5Dget_space(*d));
    const int rank = space ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (rank < 0) return h5_fail("cannot read the shape of " + dataset);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        return h5_fail("cannot read the shape of " + dataset);
    return std::vector<std::uint64_t>(dims.begin(), dims.end());
}

Status BrowseFile::read_rows(const std::string& dataset, std::uint64_t first, std::uint64_t count,
                             std::span<double> out) {
    auto d = impl_->dataset(dataset);
    if (!d) return propagate(d);
    return h5::read_rows(*d, first, count, out);
}

Result<ValuesPage> BrowseFile::read_page(const std::string& dataset, const PageRequest& request) {
    auto d = impl_->dataset(dataset);
    if (!d) return propagate(d);
    return h5::read_page(*d, request);
}

Result<std::vector<double>> BrowseFile::row_rms(const std::string& dataset, std::uint64_t first,
                                                std::uint64_t count) {
    auto dims = shape(dataset);
    if (!dims) return propagate(dims);
    if (dims->size() != 2) return fail(ErrorKind::bad_input, dataset + " is not a 2-D dataset");
    const std::uint64_t n = (*dims)[1];
    if (first > (*dims)[0] || count > (*dims)[0] - first)
        return fail(ErrorKind::bad_input, fmt::format("rows {}..{} are outside {} ({} rows)", first,
                                                      first + count, dataset, (*dims)[0]));
    if (auto ok =
            check_memory(fmt::format("{} rows of {} points", count, grouped(n)), count * n, sizeof(double));
        !ok)
        return propagate(ok);
    std::vector<double> values(count * n);
    if (auto ok = read_rows(dataset, first, count, values); !ok) return propagate(ok);
    std::vector<double> rms(count, 0.0);
    for (std::uint64_t r = 0; r < count && n > 0; ++r) {
        double sum = 0;
        for (std::uint64_t i = 0; i < n; ++i)
            sum += values[r * n + i] * values[r * n + i];
        rms[r] = std::sqrt(sum / static_cast<double>(n));
    }
    return rms;
}

Result<std::vector<double>> BrowseFile::noise_floors(const std::string& group) {
    const auto path = group + "/Noise_Floors";
    auto dims = shape(path);
    if (!dims) return propagate(dims);
    if (dims->size() != 2 || (*dims)[1] != 1)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} is {}, not one value per row", path, shape_text(*dims)));
    if (auto ok = check_memory(path, (*dims)[0], sizeof(double)); !ok) return propagate(ok);
    std::vector<double> floors((*dims)[0]);
    if (auto ok = read_rows(path, 0, floors.size(), floors); !ok) return propagate(ok);
    return floors;
}

Result<ResultRecipe> BrowseFile::result_recipe(const std::string& group) const {
    return read_result_recipe(impl_->file.get(), group);
}

Result<StandaloneResult> BrowseFile::standalone_result() const {
    const hid_t file = impl_->file.get();
    auto group = find_standalone_group(file);
    if (!group) return std::unexpected(group.error().context(impl_->path.string()));
    auto g = open_group(file, *group);
    if (!g) return propagate(g);
    StandaloneResult out;
    out.group = *group;
    if (auto r = read_string_attribute(g->get(), "sluice_recipe")) out.recipe_json = *r;
    if (auto d = read_string_attribute(g->get(), "sluice_source_dataset")) out.source_dataset = *d;
    auto dims = shape(*group + "/Filtered_Data");
    if (!dims) return propagate(dims);
    if (dims->size() != 2) return fail(ErrorKind::bad_input, *group + "/Filtered_Data is not a 2-D dataset");
    out.rows = (*dims)[0];
    out.points = (*dims)[1];
    out.has_noise_floors = exists(*group + "/Noise_Floors");
    return out;
}

std::uint64_t rows_per_block(std::uint64_t columns, std::uint64_t bytes) {
    return std::max<std::uint64_t>(bytes / (std::max<std::uint64_t>(columns, 1) * sizeof(double)), 1);
}

} // namespace sluice::h5
