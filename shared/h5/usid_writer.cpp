#include "h5/usid_writer.hpp"

#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"

#include <array>
#include <fmt/format.h>
#include <limits>

namespace sluice::h5 {
namespace {

std::string join(const std::string& group, const std::string& name) {
    return group.ends_with('/') ? group + name : group + "/" + name;
}

// No modification times in object headers: the same input then gives the same file, byte for byte.
Result<PropList> untimed(hid_t cls) {
    PropList p(H5Pcreate(cls));
    if (!p || H5Pset_obj_track_times(p.get(), 0) < 0) return h5_fail("cannot set up a property list");
    return p;
}

Status ensure_group(hid_t file, const std::string& path) {
    auto gcpl = untimed(H5P_GROUP_CREATE);
    if (!gcpl) return propagate(gcpl);
    std::string prefix;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        auto next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        if (next > pos) {
            prefix += "/" + path.substr(pos, next - pos);
            if (!path_exists(file, prefix)) {
                Group g(H5Gcreate2(file, prefix.c_str(), H5P_DEFAULT, gcpl->get(), H5P_DEFAULT));
                if (!g) return h5_fail("cannot create group " + prefix);
            } else if (auto g = open_group(file, prefix); !g) {
                return propagate(g);
            }
        }
        pos = next + 1;
    }
    return {};
}

Result<Dataset> create_dataset(hid_t file, const std::string& path, hid_t type, std::array<hsize_t, 2> dims) {
    Dataspace space(H5Screate_simple(2, dims.data(), nullptr));
    auto dcpl = untimed(H5P_DATASET_CREATE);
    if (!space) return h5_fail("cannot create the dataspace of " + path);
    if (!dcpl) return propagate(dcpl);
    if (H5Pset_layout(dcpl->get(), H5D_CONTIGUOUS) < 0) return h5_fail("cannot set up " + path);
    Dataset d(H5Dcreate2(file, path.c_str(), type, space.get(), H5P_DEFAULT, dcpl->get(), H5P_DEFAULT));
    if (!d) return h5_fail(fmt::format("cannot create dataset {} ({} x {})", path, dims[0], dims[1]));
    return d;
}

struct GridTables {
    std::vector<std::uint32_t> indices;
    std::vector<float> values;
    std::uint64_t count = 1; ///< grid points
};

// Every point of the grid, last dimension fastest; laid out (count, d) for positions or (d, count)
// for spectroscopic dimensions.
Result<GridTables> grid_tables(const std::vector<GridDimension>& dims, bool points_are_rows) {
    GridTables t;
    for (const auto& d : dims) {
        if (d.size > std::numeric_limits<std::uint32_t>::max())
            return fail(ErrorKind::bad_input,
                        fmt::format("dimension '{}' has {} points; indices are uint32", d.label, d.size));
        t.count *= d.size;
    }
    const std::size_t nd = dims.size();
    t.indices.resize(t.count * nd);
    t.values.resize(t.count * nd);
    for (std::size_t j = 0; j < nd; ++j) {
        std::uint64_t stride = 1;
        for (std::size_t k = j + 1; k < nd; ++k)
            stride *= dims[k].size;
        for (std::uint64_t p = 0; p < t.count; ++p) {
            const auto idx = (p / stride) % dims[j].size;
            const auto at = points_are_rows ? p * nd + j : j * t.count + p;
            t.indices[at] = static_cast<std::uint32_t>(idx);
            t.values[at] = static_cast<float>(dims[j].offset + static_cast<double>(idx) * dims[j].step);
        }
    }
    return t;
}

Status write_ancillary(hid_t file, const std::string& path, hid_t file_type, hid_t mem_type, const void* data,
                       std::array<hsize_t, 2> dims, const std::vector<GridDimension>& grid) {
    auto d = create_dataset(file, path, file_type, dims);
    if (!d) return propagate(d);
    const std::uint32_t dummy = 0;
    if (H5Dwrite(d->get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, dims[0] * dims[1] != 0 ? data : &dummy) <
        0)
        return h5_fail("cannot write " + path);
    std::vector<std::string> labels, units;
    for (const auto& g : grid) {
        labels.push_back(g.label);
        units.push_back(g.units);
    }
    if (auto st = write_fixed_string_array_attribute(d->get(), "labels", labels); !st) return st;
    if (auto st = write_fixed_string_array_attribute(d->get(), "units", units); !st) return st;
    return write_int_array_attribute(d->get(), "type", std::vector<std::int64_t>(grid.size(), 0));
}

} // namespace

hid_t file_type_of(ValueType t) {
    switch (t) {
    case ValueType::float32:
        return H5T_IEEE_F32LE;
    case ValueType::float64:
        return H5T_IEEE_F64LE;
    case ValueType::int8:
        return H5T_STD_I8LE;
    case ValueType::uint8:
        return H5T_STD_U8LE;
    case ValueType::int16:
        return H5T_STD_I16LE;
    case ValueType::uint16:
        return H5T_STD_U16LE;
    case ValueType::int32:
        return H5T_STD_I32LE;
    case ValueType::uint32:
        return H5T_STD_U32LE;
    case ValueType::int64:
        return H5T_STD_I64LE;
    case ValueType::uint64:
        return H5T_STD_U64LE;
    }
    return H5T_IEEE_F32LE;
}

Result<Dataset> create_main_dataset(hid_t file, const MainDatasetLayout& layout) {
    if (layout.positions.empty() || layout.spectroscopic.empty())
        return fail(ErrorKind::internal,
                    "a Main dataset needs at least one position and one spectroscopic dimension");
    if (layout.group_path.empty() || layout.group_path.front() != '/')
        return fail(ErrorKind::internal,
                    "the group path of a Main dataset must be absolute: " + layout.group_path);
    if (auto st = ensure_group(file, layout.group_path); !st) return propagate(st);

    auto pos = grid_tables(layout.positions, true);
    if (!pos) return propagate(pos);
    auto spec = grid_tables(layout.spectroscopic, false);
    if (!spec) return propagate(spec);
    const hsize_t dp = layout.positions.size(), ds = layout.spectroscopic.size();

    const auto& g = layout.group_path;
    const std::array<std::pair<const char*, bool>, 4> names{{{"Position_Indices", true},
                                                             {"Position_Values", true},
                                                             {"Spectroscopic_Indices", false},
                                                             {"Spectroscopic_Values", false}}};
    for (const auto& [name, is_position] : names) {
        const auto& tables = is_position ? *pos : *spec;
        const auto& grid = is_position ? layout.positions : layout.spectroscopic;
        const std::array<hsize_t, 2> dims =
            is_position ? std::array<hsize_t, 2>{tables.count, dp} : std::array<hsize_t, 2>{ds, tables.count};
        const bool indices = std::string_view(name).ends_with("Indices");
        const auto st = indices ? write_ancillary(file, join(g, name), H5T_STD_U32LE, H5T_NATIVE_UINT32,
                                                  tables.indices.data(), dims, grid)
                                : write_ancillary(file, join(g, name), H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                                  tables.values.data(), dims, grid);
        if (!st) return propagate(st);
    }

    const auto path = join(g, layout.name);
    auto main = create_dataset(file, path, file_type_of(layout.type), {pos->count, spec->count});
    if (!main) return propagate(main);
    const hid_t m = main->get();
    Status st = write_string_attribute(m, "quantity", layout.quantity);
    if (st) st = write_string_attribute(m, "units", layout.units);
    for (const auto& entry : names)
        if (st) st = write_reference_attribute(m, entry.first, file, join(g, entry.first));
    if (!st) return propagate(st);
    return main;
}

} // namespace sluice::h5
