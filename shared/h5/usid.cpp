#include "h5/usid.hpp"

#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "util/memory_budget.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <span>
#include <utility>

namespace sluice::h5 {
namespace {

inline constexpr const char* kRateAttribute = "IO_samp_rate_[Hz]";

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

std::string shape_text(const std::vector<hsize_t>& dims) {
    if (dims.size() == 1) return fmt::format("({},)", dims[0]);
    std::string out = "(";
    for (std::size_t i = 0; i < dims.size(); ++i)
        out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + ")";
}

Result<std::vector<hsize_t>> dims_of(hid_t dataset) {
    Dataspace space(H5Dget_space(dataset));
    if (!space) return h5_fail("cannot read the shape of " + object_path(dataset));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) return h5_fail("cannot read the shape of " + object_path(dataset));
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        return h5_fail("cannot read the shape of " + object_path(dataset));
    return dims;
}

// The value type of a numeric HDF5 type; nullopt for strings, compounds, float16, ...
std::optional<ValueType> numeric_type(hid_t type) {
    const auto size = H5Tget_size(type);
    const auto cls = H5Tget_class(type);
    if (cls == H5T_FLOAT && size == 4) return ValueType::float32;
    if (cls == H5T_FLOAT && size == 8) return ValueType::float64;
    if (cls != H5T_INTEGER) return std::nullopt;
    const bool is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
    switch (size) {
    case 1:
        return is_signed ? ValueType::int8 : ValueType::uint8;
    case 2:
        return is_signed ? ValueType::int16 : ValueType::uint16;
    case 4:
        return is_signed ? ValueType::int32 : ValueType::uint32;
    case 8:
        return is_signed ? ValueType::int64 : ValueType::uint64;
    default:
        return std::nullopt;
    }
}

// h5py stores complex numbers as a compound of two floats of one size, named r and i (or real and imag).
std::optional<std::string> complex_name(hid_t type) {
    if (H5Tget_class(type) != H5T_COMPOUND || H5Tget_nmembers(type) != 2) return std::nullopt;
    std::string names[2];
    std::size_t sizes[2] = {0, 0};
    for (unsigned i = 0; i < 2; ++i) {
        char* name = H5Tget_member_name(type, i);
        names[i] = name ? name : "";
        H5free_memory(name);
        Datatype member(H5Tget_member_type(type, i));
        if (!member || H5Tget_class(member.get()) != H5T_FLOAT) return std::nullopt;
        sizes[i] = H5Tget_size(member.get());
    }
    const bool named = (names[0] == "r" && names[1] == "i") || (names[0] == "real" && names[1] == "imag");
    if (!named || sizes[0] != sizes[1] || (sizes[0] != 4 && sizes[0] != 8)) return std::nullopt;
    return sizes[0] == 4 ? "complex64" : "complex128";
}

// Main datasets whose values Sluice does not filter, and why (in words for the user).
std::string unsupported_values(hid_t type, const std::string& dtype) {
    if (complex_name(type))
        return fmt::format(
            "its values are complex ({}): Sluice filters real-valued signals only, because the "
            "filter keeps the real part of the inverse FFT (as pycroscopy's SignalFilter does) "
            "and would silently drop the imaginary part; filter the real and imaginary parts "
            "(or amplitude and phase) as separate real-valued datasets",
            dtype);
    return fmt::format("its values are compound records {}, not numbers: Sluice filters real-valued signals "
                       "only",
                       dtype);
}

// A reader's message names the object; inside "X is not Main: ..." that is already said.
std::string reason_of(const Error& e, const std::string& path) {
    std::string m = e.message;
    const std::string of = " of " + path;
    for (auto pos = m.find(of); pos != std::string::npos; pos = m.find(of))
        m.erase(pos, of.size());
    return m;
}

struct Rules {
    hid_t file;
    const std::string& path;
    std::string broken; ///< the first rule broken, empty while all hold
};

bool read_string_rule(Rules& r, hid_t dset, const char* name, std::string& out) {
    if (!has_attribute(dset, name)) {
        r.broken = fmt::format("attribute '{}' is missing", name);
        return false;
    }
    auto v = read_string_attribute(dset, name);
    if (!v) {
        r.broken = reason_of(v.error(), r.path);
        return false;
    }
    out = std::move(*v);
    return true;
}

// An ancillary: the referenced dataset exists, is 2-D with the expected extent along `fixed_dim`, and
// carries one label and one unit per dimension it describes.
bool read_ancillary_rule(Rules& r, hid_t dset, const char* name, int fixed_dim, hsize_t fixed_extent,
                         const char* extent_name, Ancillary& out) {
    if (!has_attribute(dset, name)) {
        r.broken = fmt::format("attribute '{}' is missing", name);
        return false;
    }
    auto target = read_reference_attribute(dset, name);
    if (!target) {
        r.broken = reason_of(target.error(), r.path);
        return false;
    }
    auto anc = open_dataset(r.file, *target);
    if (!anc) {
        r.broken = fmt::format("attribute '{}' points to {}, which is not a dataset", name, *target);
        return false;
    }
    auto dims = dims_of(anc->get());
    if (!dims) {
        r.broken = dims.error().message;
        return false;
    }
    const bool rows_fixed = fixed_dim == 0;
    if (dims->size() != 2 || (*dims)[static_cast<std::size_t>(fixed_dim)] != fixed_extent ||
        (*dims)[rows_fixed ? 1 : 0] == 0) {
        r.broken = fmt::format(
            "{} ({}) has shape {}, expected {}", name, *target, shape_text(*dims),
            rows_fixed ? fmt::format("({}, d) with {} = {}", fixed_extent, extent_name, fixed_extent)
                       : fmt::format("(d, {}) with {} = {}", fixed_extent, extent_name, fixed_extent));
        return false;
    }
    out.path = *target;
    out.shape = {(*dims)[0], (*dims)[1]};
    const auto described = rows_fixed ? (*dims)[1] : (*dims)[0];
    for (auto [attr, into] : {std::pair{"labels", &out.labels}, std::pair{"units", &out.units}}) {
        if (!has_attribute(anc->get(), attr)) {
            r.broken = fmt::format("{} ({}) has no '{}' attribute", name, *target, attr);
            return false;
        }
        auto v = read_string_array_attribute(anc->get(), attr);
        if (!v) {
            r.broken = fmt::format("{} ({}): {}", name, *target, reason_of(v.error(), *target));
            return false;
        }
        if (v->size() != described) {
            r.broken =
                fmt::format("{} ({}) has {} {} for {} dimensions", name, *target, v->size(), attr, described);
            return false;
        }
        *into = std::move(*v);
    }
    return true;
}

bool same_shape_rule(Rules& r, const Ancillary& a, const char* a_name, const Ancillary& b,
                     const char* b_name) {
    if (a.shape == b.shape) return true;
    r.broken = fmt::format("{} has shape ({}, {}) but {} has shape ({}, {})", a_name, a.shape[0], a.shape[1],
                           b_name, b.shape[0], b.shape[1]);
    return false;
}

// Every pyUSID rule except emptiness; the error names the first one broken.
Result<MainDataset> check_main(hid_t file, const std::string& path) {
    auto dset = open_dataset(file, path);
    if (!dset) return propagate(dset);
    MainDataset m;
    m.path = object_path(dset->get());
    Rules r{file, m.path, {}};
    const auto broken = [&] {
        return fail(ErrorKind::bad_input,
                    fmt::format("{} is not an h5USID Main dataset: {}", m.path, r.broken));
    };
    auto dims = dims_of(dset->get());
    if (!dims) return propagate(dims);
    if (dims->size() != 2) {
        r.broken = fmt::format("it has {} dimension{} {}, not 2 (positions × spectroscopic points)",
                               dims->size(), dims->size() == 1 ? "" : "s", shape_text(*dims));
        return broken();
    }
    Datatype type(H5Dget_type(dset->get()));
    if (!type) return h5_fail("cannot read the type of " + m.path);
    m.dtype = complex_name(type.get()).value_or(numpy_dtype_name(type.get()));
    if (const auto value_type = numeric_type(type.get())) {
        m.type = *value_type;
    } else if (H5Tget_class(type.get()) == H5T_COMPOUND) {
        m.not_filterable = unsupported_values(type.get(), m.dtype); // Main for pyUSID, not for filtering
    } else {
        r.broken = fmt::format("its values are {}, not numbers (float32/64 or integers)", m.dtype);
        return broken();
    }
    m.rows = (*dims)[0];
    m.points = (*dims)[1];
    if (m.not_filterable.empty() && m.points == 1)
        m.not_filterable =
            fmt::format("each of its {} positions holds a single value (N = 1), like an image: "
                        "there is no signal along the spectroscopic axis to filter",
                        grouped(m.rows));
    const hid_t d = dset->get();
    if (!read_string_rule(r, d, "quantity", m.quantity) || !read_string_rule(r, d, "units", m.units) ||
        !read_ancillary_rule(r, d, "Position_Indices", 0, m.rows, "P rows", m.position_indices) ||
        !read_ancillary_rule(r, d, "Position_Values", 0, m.rows, "P rows", m.position_values) ||
        !read_ancillary_rule(r, d, "Spectroscopic_Indices", 1, m.points, "N points",
                             m.spectroscopic_indices) ||
        !read_ancillary_rule(r, d, "Spectroscopic_Values", 1, m.points, "N points", m.spectroscopic_values) ||
        !same_shape_rule(r, m.position_values, "Position_Values", m.position_indices, "Position_Indices") ||
        !same_shape_rule(r, m.spectroscopic_values, "Spectroscopic_Values", m.spectroscopic_indices,
                         "Spectroscopic_Indices"))
        return broken();
    return m;
}

Result<std::optional<SampleRate>> rate_attribute(hid_t obj, const std::string& obj_path) {
    if (!has_attribute(obj, kRateAttribute)) return std::optional<SampleRate>{};
    auto v = read_double_attribute(obj, kRateAttribute);
    if (!v) return propagate(v);
    if (!std::isfinite(*v) || *v <= 0)
        return fail(ErrorKind::bad_input,
                    fmt::format("attribute '{}' of {} is {}: a sample rate must be a positive "
                                "number",
                                kRateAttribute, obj_path, *v));
    return SampleRate{*v, fmt::format("attribute {} of {}", kRateAttribute, obj_path)};
}

// Seconds per unit for the spellings of time units found in pyUSID files; other units (Hz, V, ...)
// say the spectroscopic axis is not time.
std::optional<double> seconds_per(const std::string& unit) {
    static const std::pair<const char*, double> units[] = {
        {"s", 1.0},   {"sec", 1.0}, {"second", 1.0}, {"seconds", 1.0}, {"ms", 1e-3},
        {"us", 1e-6}, {"µs", 1e-6}, {"μs", 1e-6},    {"ns", 1e-9},
    };
    for (const auto& [name, scale] : units)
        if (unit == name) return scale;
    return std::nullopt;
}

// 1 / spacing of one evenly spaced time axis, when it is within 1e-6 of a whole number of Hz.
Result<std::optional<SampleRate>> rate_from_spacing(hid_t file, hid_t dset) {
    const std::optional<SampleRate> none;
    auto target = read_reference_attribute(dset, "Spectroscopic_Values");
    if (!target) return propagate(target);
    auto values = open_dataset(file, *target);
    if (!values) return propagate(values);
    auto dims = dims_of(values->get());
    if (!dims) return propagate(dims);
    if (dims->size() != 2 || (*dims)[0] != 1 || (*dims)[1] < 2) return none; // not one axis
    auto units = read_string_array_attribute(values->get(), "units");
    if (!units || units->size() != 1) return none;
    const auto scale = seconds_per(units->front());
    if (!scale) return none;

    // The axis is read in blocks, never whole: its length is only what the file declares (2^40 points
    // cost a 16 KB file nothing), and the ends first, so an unwritten axis (all fill values) is
    // dismissed without reading the rest.
    const hsize_t n = (*dims)[1];
    const auto read_block = [&](hsize_t first, std::span<double> out) {
        const hsize_t start[2] = {0, first}, count[2] = {1, out.size()};
        Dataspace file_space(H5Dget_space(values->get()));
        Dataspace mem_space(H5Screate_simple(2, count, nullptr));
        return file_space && mem_space &&
               H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) >= 0 &&
               H5Dread(values->get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
                       out.data()) >= 0;
    };
    double first = 0, last = 0;
    if (!read_block(0, {&first, 1}) || !read_block(n - 1, {&last, 1}))
        return h5_fail("cannot read " + *target);
    const double step = (last - first) / static_cast<double>(n - 1);
    if (!std::isfinite(step) || step <= 0) return none;
    // The values were rounded to their storage type; allow a few of its ulps at the largest magnitude.
    Datatype type(H5Dget_type(values->get()));
    const double eps = H5Tget_class(type.get()) == H5T_FLOAT && H5Tget_size(type.get()) == 4
                           ? std::numeric_limits<float>::epsilon()
                           : std::numeric_limits<double>::epsilon();
    const double tol = 4 * eps * std::max(std::fabs(first), std::fabs(last));
    std::vector<double> block(static_cast<std::size_t>(std::min<hsize_t>(n, 1 << 16)));
    for (hsize_t at = 0; at < n; at += block.size()) {
        const auto size = static_cast<std::size_t>(std::min<hsize_t>(block.size(), n - at));
        if (!read_block(at, {block.data(), size})) return h5_fail("cannot read " + *target);
        for (std::size_t k = 0; k < size; ++k)
            if (std::fabs(block[k] - (first + static_cast<double>(at + k) * step)) > tol) return none;
    }
    const double rate = 1.0 / (step * *scale);
    const double whole = std::round(rate);
    if (whole < 1 || std::fabs(rate - whole) > 1e-6 * rate) return none;
    return SampleRate{whole, fmt::format("1 / spacing of {}", *target)};
}

} // namespace

const char* value_type_name(ValueType t) {
    switch (t) {
    case ValueType::float32:
        return "float32";
    case ValueType::float64:
        return "float64";
    case ValueType::int8:
        return "int8";
    case ValueType::uint8:
        return "uint8";
    case ValueType::int16:
        return "int16";
    case ValueType::uint16:
        return "uint16";
    case ValueType::int32:
        return "int32";
    case ValueType::uint32:
        return "uint32";
    case ValueType::int64:
        return "int64";
    case ValueType::uint64:
        return "uint64";
    }
    return "unknown";
}

Result<MainDataset> read_main_dataset(hid_t file, const std::string& path) {
    auto m = check_main(file, path);
    if (!m) return m;
    if (m->rows == 0 || m->points == 0)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} is empty ({} rows × {} points): there is nothing to filter", m->path,
                                m->rows, m->points));
    auto rate = find_sample_rate(file, m->path);
    if (!rate) return propagate(rate);
    if (*rate) {
        m->sample_rate_hz = (*rate)->hz;
        m->sample_rate_origin = (*rate)->origin;
    }
    return m;
}

std::vector<std::string> find_main_datasets(hid_t file) {
    // Collect first, check afterwards: opening objects from inside H5Ovisit's callback is best avoided.
    std::vector<std::string> datasets;
    const auto collect = [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
        if (info->type == H5O_TYPE_DATASET)
            static_cast<std::vector<std::string>*>(data)->push_back(std::string("/") + name);
        return 0;
    };
    if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, collect, &datasets, H5O_INFO_BASIC) < 0) {
        (void)take_error_stack();
        return {};
    }
    std::vector<std::string> main;
    for (const auto& p : datasets) {
        if (check_main(file, p)) main.push_back(p);
        (void)take_error_stack();
    }
    std::sort(main.begin(), main.end());
    return main;
}

Result<std::optional<SampleRate>> find_sample_rate(hid_t file, const std::string& main_path) {
    auto dset = open_dataset(file, main_path);
    if (!dset) return propagate(dset);
    const auto path = object_path(dset->get());
    const auto parent_path = parent_of(path);
    auto parent = open_group(file, parent_path);
    if (!parent) return propagate(parent);
    auto on_parent = rate_attribute(parent->get(), parent_path);
    if (!on_parent || *on_parent) return on_parent;
    auto on_dataset = rate_attribute(dset->get(), path);
    if (!on_dataset || *on_dataset) return on_dataset;
    return rate_from_spacing(file, dset->get());
}

} // namespace sluice::h5
