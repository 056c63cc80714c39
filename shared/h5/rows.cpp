#include "h5/rows.hpp"

#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <vector>

namespace sluice::h5 {
namespace {

// A file selection of rows [first, first+count) of a 2-D dataset (or of a 1-D / (P,1) column) and the
// matching memory space. count == 0 selects nothing on both sides, so that a rank without rows can
// still take part in a collective call.
struct Selection {
    Dataspace file;
    Dataspace memory;
    std::uint64_t rows = 0;  ///< extent of the first dimension
    std::uint64_t width = 1; ///< values per row in this selection
};

Result<Selection> select_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, bool column) {
    Selection s;
    s.file = Dataspace(H5Dget_space(dataset));
    if (!s.file) return h5_fail("cannot read the shape of " + object_path(dataset));
    const int rank = H5Sget_simple_extent_ndims(s.file.get());
    std::array<hsize_t, 2> dims{0, 1};
    if (rank < 1 || rank > 2 || H5Sget_simple_extent_dims(s.file.get(), dims.data(), nullptr) < 0)
        return fail(ErrorKind::bad_input, fmt::format("{} has {} dimensions; rows need a 1-D or 2-D dataset",
                                                      object_path(dataset), rank));
    if (column && rank == 2 && dims[1] != 1)
        return fail(ErrorKind::internal,
                    fmt::format("{} has {} columns, expected one", object_path(dataset), dims[1]));
    if (!column && rank != 2)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} is 1-D; rows need a 2-D dataset", object_path(dataset)));
    s.rows = dims[0];
    s.width = rank == 2 ? dims[1] : 1;
    if (first > s.rows || count > s.rows - first)
        return fail(ErrorKind::internal, fmt::format("rows {}..{} are outside {} ({} rows)", first,
                                                     first + count, object_path(dataset), s.rows));

    const hsize_t mem_dims[1] = {std::max<hsize_t>(count * s.width, 1)};
    s.memory = Dataspace(H5Screate_simple(1, mem_dims, nullptr));
    if (!s.memory) return h5_fail("cannot create a memory dataspace");
    if (count == 0) {
        if (H5Sselect_none(s.file.get()) < 0 || H5Sselect_none(s.memory.get()) < 0)
            return h5_fail("cannot make an empty selection");
        return s;
    }
    const std::array<hsize_t, 2> start{first, 0};
    const std::array<hsize_t, 2> extent{count, s.width};
    if (H5Sselect_hyperslab(s.file.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr) < 0)
        return h5_fail(
            fmt::format("cannot select rows {}..{} of {}", first, first + count, object_path(dataset)));
    return s;
}

Status check_buffer(std::size_t have, std::uint64_t need, hid_t dataset) {
    if (have >= need) return {};
    return fail(ErrorKind::internal,
                fmt::format("buffer of {} values for {} values of {}", have, need, object_path(dataset)));
}

/// Returns the number of values per row.
template <class T>
Result<std::uint64_t> read_selection(hid_t dataset, hid_t mem_type, std::uint64_t first, std::uint64_t count,
                                     T* out, std::size_t size, hid_t xfer, bool column) {
    auto sel = select_rows(dataset, first, count, column);
    if (!sel) return propagate(sel);
    if (auto st = check_buffer(size, count * sel->width, dataset); !st) return propagate(st);
    T dummy{}; // HDF5 refuses a null buffer even for an empty selection in some paths
    if (H5Dread(dataset, mem_type, sel->memory.get(), sel->file.get(), xfer, count ? out : &dummy) < 0)
        return h5_fail(
            fmt::format("cannot read rows {}..{} of {}", first, first + count, object_path(dataset)));
    return sel->width;
}

template <class T>
Status write_selection(hid_t dataset, hid_t mem_type, std::uint64_t first, std::uint64_t count, const T* in,
                       std::size_t size, hid_t xfer, bool column) {
    auto sel = select_rows(dataset, first, count, column);
    if (!sel) return propagate(sel);
    if (auto st = check_buffer(size, count * sel->width, dataset); !st) return st;
    const T dummy{};
    if (H5Dwrite(dataset, mem_type, sel->memory.get(), sel->file.get(), xfer, count ? in : &dummy) < 0)
        return h5_fail(
            fmt::format("cannot write rows {}..{} of {}", first, first + count, object_path(dataset)));
    return {};
}

} // namespace

namespace {

// float32 staging for the common case: converting in our own loop is several times cheaper than HDF5's
// conversion path, and it fixes the rounding (nearest, as numpy's astype) whatever the HDF5 build does.
// HDF5 is serialised anyway, so one buffer per thread is enough.
std::vector<float>& float_staging(std::size_t n) {
    thread_local std::vector<float> buffer;
    if (buffer.size() < n) buffer.resize(n);
    return buffer;
}

// A NaN or Inf would spread through the FFT into the whole filtered row: refuse it, naming the row.
// x * 0 is 0 for finite x and NaN otherwise, so one vectorisable pass finds out whether to look closer.
template <class T>
Status check_finite(std::span<const T> values, std::uint64_t width, std::uint64_t first, hid_t dataset) {
    T probe = 0;
    for (T v : values)
        probe += v * T(0);
    if (probe == 0) return {};
    for (std::uint64_t r = 0; r * width < values.size(); ++r) {
        for (T v : values.subspan(r * width, width))
            if (!std::isfinite(v))
                return fail(ErrorKind::bad_input,
                            fmt::format("row {} of {} contains NaN or Inf", first + r, object_path(dataset)));
    }
    return {};
}

} // namespace

bool is_float32(hid_t dataset) {
    Datatype type(H5Dget_type(dataset));
    return type && H5Tget_class(type.get()) == H5T_FLOAT && H5Tget_size(type.get()) == sizeof(float);
}

Status read_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<double> out, hid_t xfer) {
    Result<std::uint64_t> width;
    if (is_float32(dataset)) {
        auto& staging = float_staging(out.size());
        width =
            read_selection(dataset, H5T_NATIVE_FLOAT, first, count, staging.data(), out.size(), xfer, false);
        if (width) std::copy_n(staging.begin(), count * *width, out.begin());
    } else {
        width = read_selection(dataset, H5T_NATIVE_DOUBLE, first, count, out.data(), out.size(), xfer, false);
    }
    if (!width) return propagate(width);
    return check_finite<double>(out.first(count * *width), *width, first, dataset);
}

Status read_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<float> out, hid_t xfer) {
    if (!is_float32(dataset))
        return fail(ErrorKind::internal, fmt::format("{} is not float32", object_path(dataset)));
    auto width = read_selection(dataset, H5T_NATIVE_FLOAT, first, count, out.data(), out.size(), xfer, false);
    if (!width) return propagate(width);
    return check_finite<float>(out.first(count * *width), *width, first, dataset);
}

Status write_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<const float> in,
                  hid_t xfer) {
    if (!is_float32(dataset))
        return fail(ErrorKind::internal, fmt::format("{} is not float32", object_path(dataset)));
    return write_selection(dataset, H5T_NATIVE_FLOAT, first, count, in.data(), in.size(), xfer, false);
}

Status write_rows(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<const double> in,
                  hid_t xfer) {
    if (is_float32(dataset)) {
        auto& f = float_staging(in.size());
        std::transform(in.begin(), in.end(), f.begin(), [](double v) { return static_cast<float>(v); });
        return write_selection(dataset, H5T_NATIVE_FLOAT, first, count, f.data(), in.size(), xfer, false);
    }
    // float64 as is; integer types converted by HDF5.
    return write_selection(dataset, H5T_NATIVE_DOUBLE, first, count, in.data(), in.size(), xfer, false);
}

Status write_column_u8(hid_t dataset, std::uint64_t first, std::uint64_t count,
                       std::span<const std::uint8_t> in, hid_t xfer) {
    return write_selection(dataset, H5T_NATIVE_UINT8, first, count, in.data(), in.size(), xfer, true);
}

Status write_column_f32(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<const float> in,
                        hid_t xfer) {
    return write_selection(dataset, H5T_NATIVE_FLOAT, first, count, in.data(), in.size(), xfer, true);
}

Status read_column_u8(hid_t dataset, std::uint64_t first, std::uint64_t count, std::span<std::uint8_t> out,
                      hid_t xfer) {
    auto width = read_selection(dataset, H5T_NATIVE_UINT8, first, count, out.data(), out.size(), xfer, true);
    if (!width) return propagate(width);
    return {};
}

} // namespace sluice::h5
