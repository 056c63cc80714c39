#include "h5/result_group.hpp"

#include "h5/attributes.hpp"
#include "h5/filter_attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/rows.hpp"
#include "sluice/version.hpp"

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <netdb.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace sluice::h5 {
namespace {

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

std::string join(const std::string& parent, const std::string& name) {
    return parent == "/" ? "/" + name : parent + "/" + name;
}

Status write_bookkeeping(hid_t obj, const Bookkeeping& book) {
    // sluice_version takes the place of these: Sluice does not claim to be pyUSID or sidpy (a copied
    // source's attributes would otherwise keep them).
    for (const char* name : {"pyUSID_version", "sidpy_version"})
        if (auto s = delete_attribute(obj, name); !s) return s;
    if (auto s = write_string_attribute(obj, "machine_id", book.machine_id); !s) return s;
    if (auto s = write_string_attribute(obj, "timestamp", book.timestamp); !s) return s;
    if (auto s = write_string_attribute(obj, "platform", book.platform); !s) return s;
    return write_string_attribute(obj, "sluice_version", sluice::version);
}

// Contiguous and allocated at creation, so that after start-up only raw data is ever written. `zeroed`
// datasets get their zeros from HDF5 at allocation, so no buffer of the dataset's size is ever needed.
Result<Dataset> create_dataset(hid_t group, const std::string& name, hid_t file_type,
                               std::vector<hsize_t> dims, bool zeroed = false) {
    Dataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    PropList dcpl(H5Pcreate(H5P_DATASET_CREATE));
    const std::uint64_t zero = 0;
    if (!space || !dcpl || H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS) < 0 ||
        H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY) < 0 ||
        H5Pset_fill_time(dcpl.get(), zeroed ? H5D_FILL_TIME_ALLOC : H5D_FILL_TIME_NEVER) < 0 ||
        (zeroed && H5Pset_fill_value(dcpl.get(), H5T_NATIVE_UINT64, &zero) < 0))
        return h5_fail("cannot set up dataset " + name);
    Dataset d(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!d) return h5_fail(fmt::format("cannot create dataset {} ({} values)", name, dims.front()));
    return d;
}

template <class T>
Status write_whole(hid_t dset, hid_t mem_type, const std::vector<T>& values, const std::string& name) {
    if (H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        return h5_fail("cannot write " + name);
    return {};
}

Status write_noise_spec(hid_t group, const std::string& name, hid_t file_type, hid_t mem_type,
                        const void* value) {
    auto d = create_dataset(group, name, file_type, {1, 1});
    if (!d) return propagate(d);
    if (H5Dwrite(d->get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value) < 0)
        return h5_fail("cannot write " + name);
    if (auto s = write_fixed_string_array_attribute(d->get(), "labels", {"arb"}); !s) return s;
    if (auto s = write_fixed_string_array_attribute(d->get(), "units", {""}); !s) return s;
    return write_int_array_attribute(d->get(), "type", {0});
}

Status copy_ancillaries(hid_t target, hid_t source, const MainDataset& main) {
    PropList lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    for (const auto* anc : {&main.position_indices, &main.position_values, &main.spectroscopic_indices,
                            &main.spectroscopic_values}) {
        if (path_exists(target, anc->path)) continue;
        if (H5Ocopy(source, anc->path.c_str(), target, anc->path.c_str(), H5P_DEFAULT, lcpl.get()) < 0)
            return h5_fail("cannot copy " + anc->path + " into the result file");
    }
    // The sample rate lives on the parent group; keep it so the result file stands on its own.
    const auto parent = parent_of(main.path);
    auto src_group = open_group(source, parent);
    auto dst_group = open_group(target, parent);
    if (src_group && dst_group && has_attribute(src_group->get(), "IO_samp_rate_[Hz]")) {
        auto rate = read_double_attribute(src_group->get(), "IO_samp_rate_[Hz]");
        if (rate) return write_double_attribute(dst_group->get(), "IO_samp_rate_[Hz]", *rate);
    }
    return {};
}

} // namespace

Bookkeeping Bookkeeping::now() {
    Bookkeeping b;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    b.machine_id = host;
    addrinfo hints{};
    hints.ai_flags = AI_CANONNAME;
    addrinfo* info = nullptr;
    if (::getaddrinfo(host, nullptr, &hints, &info) == 0 && info) {
        if (info->ai_canonname) b.machine_id = info->ai_canonname;
        ::freeaddrinfo(info);
    }
    const std::time_t t = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&t, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y_%m_%d-%H_%M_%S", &local);
    b.timestamp = stamp;
    utsname u{};
    ::uname(&u);
    b.platform = fmt::format("{}-{}-{}", u.sysname, u.release, u.machine);
    return b;
}

Result<std::string> next_result_group_path(hid_t file, const std::string& dataset_path) {
    const auto parent = parent_of(dataset_path);
    const auto prefix = name_of(dataset_path) + "-" + results_tool + "_";
    auto group = open_group(file, parent);
    if (!group) return propagate(group);
    struct Scan {
        std::string prefix;
        int max_index = -1;
    } scan{prefix};
    auto visit = [](hid_t g, const char* name, const H5L_info_t*, void* data) -> herr_t {
        auto* s = static_cast<Scan*>(data);
        const std::string n(name);
        if (n.rfind(s->prefix, 0) != 0) return 0;
        H5O_info_t oi{};
        if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_GROUP) return 0;
        const auto digits = n.substr(s->prefix.size());
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return 0;
        s->max_index = std::max(s->max_index, std::stoi(digits));
        return 0;
    };
    if (H5Literate(group->get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, visit, &scan) < 0)
        return h5_fail("cannot list " + parent);
    return join(parent, fmt::format("{}{:03d}", prefix, scan.max_index + 1));
}

Result<std::string> create_result_group(hid_t target, hid_t source, const ResultGroupPlan& plan,
                                        const std::string& group_path) {
    const auto& main = plan.source;
    const bool standalone = plan.mode == ResultMode::standalone;
    if (standalone)
        if (auto s = copy_ancillaries(target, source, main); !s) return propagate(s);

    PropList lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    Group group(H5Gcreate2(target, group_path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!group) return h5_fail("cannot create group " + group_path);
    const hid_t g = group.get();

    // Group attributes (FILTER_SPEC §6, Sluice's book-keeping in place of sidpy/pyUSID versions).
    Status st = write_bookkeeping(g, plan.book);
    auto chain = [&st](auto&& next) {
        if (st) st = next();
    };
    chain([&] { return write_string_attribute(g, "tool", results_tool); });
    chain([&] { return write_int_attribute(g, "num_source_dsets", 1); });
    if (standalone) {
        chain([&] { return write_string_attribute(g, "sluice_source_file", plan.identity.source_file); });
        chain([&] { return write_string_attribute(g, "sluice_source_dataset", main.path); });
        if (plan.identity.source_sha256)
            chain([&] {
                return write_string_attribute(g, "sluice_source_sha256", *plan.identity.source_sha256);
            });
    } else {
        chain([&] { return write_reference_attribute(g, "source_000", target, main.path); });
    }
    chain([&] { return write_filter_attributes(g, plan.recipe, plan.sample_rate_hz, main.points); });
    if (plan.recipe.noise_threshold)
        chain([&] { return write_double_attribute(g, "noise_threshold", *plan.recipe.noise_threshold); });
    chain([&] { return write_int_attribute(g, "num_pix", static_cast<std::int64_t>(main.rows)); });
    chain([&] { return write_int_attribute(g, "last_pixel", 0); });
    chain([&] { return write_string_attribute(g, "algorithm", "pycroscopy_SignalFilter"); });
    chain([&] { return write_string_attribute(g, "sluice_recipe_hash", plan.identity.recipe_hash); });
    chain([&] { return write_string_attribute(g, "sluice_recipe", plan.identity.recipe_json); });
    chain([&] {
        return write_int_attribute(g, "sluice_source_size",
                                   static_cast<std::int64_t>(plan.identity.source_size));
    });
    chain([&] { return write_int_attribute(g, "sluice_source_mtime_ns", plan.identity.source_mtime_ns); });
    chain([&] {
        return write_int_attribute(g, "sluice_source_points", static_cast<std::int64_t>(main.points));
    });
    chain([&] { return write_string_attribute(g, "sluice_source_dtype", value_type_name(main.type)); });
    if (!st) return propagate(st);

    if (!plan.composite.empty()) {
        auto cf = create_dataset(g, "Composite_Filter", H5T_IEEE_F32LE, {plan.composite.size()});
        if (!cf) return propagate(cf);
        if (auto s = write_whole(cf->get(), H5T_NATIVE_FLOAT, plan.composite, "Composite_Filter"); !s)
            return propagate(s);
    }

    // Filtered_Data: the source's type and shape, all of its attributes, references to the ancillaries.
    auto src_dset = open_dataset(source, main.path);
    if (!src_dset) return propagate(src_dset);
    Datatype file_type(H5Dget_type(src_dset->get()));
    auto filtered = create_dataset(g, "Filtered_Data", file_type.get(), {main.rows, main.points});
    if (!filtered) return propagate(filtered);
    const hid_t fd = filtered->get();
    chain([&] { return copy_attributes(src_dset->get(), fd); });
    chain([&] {
        return write_reference_attribute(fd, "Position_Indices", target, main.position_indices.path);
    });
    chain(
        [&] { return write_reference_attribute(fd, "Position_Values", target, main.position_values.path); });
    chain([&] {
        return write_reference_attribute(fd, "Spectroscopic_Indices", target,
                                         main.spectroscopic_indices.path);
    });
    chain([&] {
        return write_reference_attribute(fd, "Spectroscopic_Values", target, main.spectroscopic_values.path);
    });
    chain([&] { return write_bookkeeping(fd, plan.book); });
    if (!st) return propagate(st);

    if (plan.recipe.noise_threshold) {
        const std::uint32_t zero = 0;
        const float one = 1.0f;
        chain([&] {
            return write_noise_spec(g, "Noise_Spec_Indices", H5T_STD_U32LE, H5T_NATIVE_UINT32, &zero);
        });
        chain(
            [&] { return write_noise_spec(g, "Noise_Spec_Values", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &one); });
        if (!st) return propagate(st);
        auto floors = create_dataset(g, "Noise_Floors", H5T_IEEE_F32LE, {main.rows, 1});
        if (!floors) return propagate(floors);
        const hid_t nf = floors->get();
        chain([&] { return write_string_attribute(nf, "quantity", "Noise"); });
        chain([&] { return write_string_attribute(nf, "units", "a.u."); });
        chain([&] {
            return write_reference_attribute(nf, "Position_Indices", target, main.position_indices.path);
        });
        chain([&] {
            return write_reference_attribute(nf, "Position_Values", target, main.position_values.path);
        });
        chain([&] {
            return write_reference_attribute(nf, "Spectroscopic_Indices", target,
                                             group_path + "/Noise_Spec_Indices");
        });
        chain([&] {
            return write_reference_attribute(nf, "Spectroscopic_Values", target,
                                             group_path + "/Noise_Spec_Values");
        });
        chain([&] { return write_bookkeeping(nf, plan.book); });
        if (!st) return propagate(st);
    }

    auto done = create_dataset(g, "completed_positions", H5T_STD_U8LE, {main.rows}, true);
    if (!done) return propagate(done);
    return group_path;
}

Result<ExistingResult> read_result_progress(hid_t file, const std::string& group_path) {
    auto d = open_dataset(file, group_path + "/completed_positions");
    if (!d) return propagate(d);
    Dataspace space(H5Dget_space(d->get()));
    hsize_t rows = 0;
    if (H5Sget_simple_extent_ndims(space.get()) != 1 ||
        H5Sget_simple_extent_dims(space.get(), &rows, nullptr) < 0)
        return fail(ErrorKind::bad_input, group_path + "/completed_positions is not 1-D");
    // In slices: memory stays small whatever the row count.
    constexpr hsize_t slice = hsize_t{1} << 20;
    std::vector<std::uint8_t> flags(static_cast<std::size_t>(std::min(rows, slice)));
    ExistingResult r{group_path, 0, rows};
    for (hsize_t first = 0; first < rows; first += slice) {
        const auto count = std::min(slice, rows - first);
        if (auto s = read_column_u8(d->get(), first, count, flags); !s) return propagate(s);
        r.rows_done += static_cast<std::uint64_t>(
            std::count_if(flags.begin(), flags.begin() + static_cast<std::ptrdiff_t>(count),
                          [](std::uint8_t f) { return f != 0; }));
    }
    return r;
}

Result<std::optional<ExistingResult>> find_matching_result(hid_t file, const std::string& dataset_path,
                                                           const std::string& recipe_hash) {
    auto next = next_result_group_path(file, dataset_path);
    if (!next) return propagate(next);
    // Candidates are <prefix>000 .. one below the next free index; the newest matching one wins.
    const auto prefix = next->substr(0, next->size() - 3);
    const int count = std::stoi(next->substr(next->size() - 3));
    for (int i = count - 1; i >= 0; --i) {
        const auto path = fmt::format("{}{:03d}", prefix, i);
        if (!path_exists(file, path)) continue;
        auto g = open_group(file, path);
        if (!g || !has_attribute(g->get(), "sluice_recipe_hash")) continue;
        auto hash = read_string_attribute(g->get(), "sluice_recipe_hash");
        if (!hash || *hash != recipe_hash) continue;
        auto progress = read_result_progress(file, path);
        if (!progress) return propagate(progress);
        return std::optional<ExistingResult>(*progress);
    }
    return std::optional<ExistingResult>{};
}

Status check_identity(hid_t file, const std::string& group_path, const MainDataset& source,
                      const RunIdentity& identity) {
    auto g = open_group(file, group_path);
    if (!g) return propagate(g);
    auto mismatch = [&](const std::string& what) {
        return fail(ErrorKind::refused,
                    fmt::format("the existing output was made from {}, so it cannot be resumed; nothing was "
                                "changed: remove it or choose another --output",
                                what));
    };
    auto str = [&](const char* name) { return read_string_attribute(g->get(), name); };
    auto num = [&](const char* name) { return read_int_attribute(g->get(), name); };
    const auto hash = str("sluice_recipe_hash");
    if (!hash) return std::unexpected(hash.error().context("existing output"));
    if (*hash != identity.recipe_hash) return mismatch("another recipe");
    const auto rows = num("num_pix");
    const auto points = num("sluice_source_points");
    const auto dtype = str("sluice_source_dtype");
    if (!rows || !points || !dtype) return mismatch("a source this engine cannot identify");
    if (static_cast<std::uint64_t>(*rows) != source.rows ||
        static_cast<std::uint64_t>(*points) != source.points || *dtype != value_type_name(source.type))
        return mismatch(fmt::format("a dataset of {}x{} {} (this one is {}x{} {})", *rows, *points, *dtype,
                                    source.rows, source.points, value_type_name(source.type)));
    const auto size = num("sluice_source_size");
    const auto mtime = num("sluice_source_mtime_ns");
    if (!size || static_cast<std::uint64_t>(*size) != identity.source_size || !mtime ||
        *mtime != identity.source_mtime_ns)
        return mismatch(
            "another source file, or this source before it changed (size or modification time differ)");
    if (identity.source_sha256 && has_attribute(g->get(), "sluice_source_sha256")) {
        const auto sha = str("sluice_source_sha256");
        if (!sha || *sha != *identity.source_sha256) return mismatch("a source with another SHA-256");
    }
    return {};
}

Result<std::string> find_standalone_group(hid_t file) {
    struct Found {
        std::vector<std::string> paths;
    } found;
    auto visit = [](hid_t obj, const char* name, const H5O_info_t* info, void* data) -> herr_t {
        if (info->type != H5O_TYPE_GROUP) return 0;
        Group g(H5Gopen2(obj, name, H5P_DEFAULT));
        if (g && has_attribute(g.get(), "sluice_source_dataset") &&
            has_attribute(g.get(), "sluice_recipe_hash"))
            static_cast<Found*>(data)->paths.push_back(std::string("/") + name);
        return 0;
    };
    if (H5Ovisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &found) < 0)
        return h5_fail("cannot walk the result file");
    if (found.paths.size() != 1)
        return fail(ErrorKind::bad_input,
                    found.paths.empty()
                        ? "this is not a Sluice result file (no results group with sluice_source_* "
                          "attributes)"
                        : "this result file holds more than one results group");
    return found.paths.front();
}

Status finish_result_group(hid_t file, const std::string& group_path, std::uint64_t rows) {
    auto g = open_group(file, group_path);
    if (!g) return propagate(g);
    return write_int_attribute(g->get(), "last_pixel", static_cast<std::int64_t>(rows));
}

} // namespace sluice::h5
