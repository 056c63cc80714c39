#include "h5/values.hpp"

#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/listing.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace sluice::h5 {
namespace {

// The page's table in the dataset: which values, in which memory type, how many bytes each.
struct Window {
    std::vector<hsize_t> start, count;
    std::uint64_t value_bytes = 8;
};

template <class T>
Status read_numbers(hid_t dataset, hid_t mem_type, hid_t file_space, hid_t mem_space, ValuesPage& page) {
    std::vector<T> v(page.rows * page.columns);
    if (!v.empty() && H5Dread(dataset, mem_type, mem_space, file_space, H5P_DEFAULT, v.data()) < 0)
        return h5_fail("cannot read the values of " + object_path(dataset));
    page.values = std::move(v);
    return {};
}

Status read_strings(hid_t dataset, hid_t file_type, hid_t file_space, hid_t mem_space, ValuesPage& page) {
    const std::size_t n = page.rows * page.columns;
    std::vector<std::string> out;
    out.reserve(n);
    Datatype mem(H5Tcopy(H5T_C_S1));
    if (!mem || H5Tset_cset(mem.get(), H5Tget_cset(file_type)) < 0)
        return h5_fail("cannot set up a string type");
    if (H5Tis_variable_str(file_type) > 0) {
        if (H5Tset_size(mem.get(), H5T_VARIABLE) < 0) return h5_fail("cannot set up a string type");
        // Variable-length strings can be any length: ask how much they need before reading them.
        hsize_t bytes = 0;
        if (n > 0 && H5Dvlen_get_buf_size(dataset, mem.get(), file_space, &bytes) < 0)
            return h5_fail("cannot size the strings of " + object_path(dataset));
        if (bytes > max_page_bytes)
            return fail(ErrorKind::bad_input,
                        fmt::format("these {} strings of {} take {} bytes, more than a page holds", n,
                                    object_path(dataset), bytes));
        std::vector<char*> ptrs(n, nullptr);
        if (n > 0 && H5Dread(dataset, mem.get(), mem_space, file_space, H5P_DEFAULT, ptrs.data()) < 0)
            return h5_fail("cannot read the strings of " + object_path(dataset));
        for (char* p : ptrs)
            out.emplace_back(p ? p : "");
        if (n > 0) (void)H5Dvlen_reclaim(mem.get(), mem_space, H5P_DEFAULT, ptrs.data());
    } else {
        const std::size_t size = H5Tget_size(file_type);
        if (H5Tset_size(mem.get(), size) < 0) return h5_fail("cannot set up a string type");
        std::vector<char> buf(n * size);
        if (n > 0 && H5Dread(dataset, mem.get(), mem_space, file_space, H5P_DEFAULT, buf.data()) < 0)
            return h5_fail("cannot read the strings of " + object_path(dataset));
        for (std::size_t i = 0; i < n; ++i) {
            const char* p = buf.data() + i * size;
            out.emplace_back(p, std::find(p, p + size, '\0'));
        }
    }
    page.values = std::move(out);
    return {};
}

template <class T>
std::string shortest(T v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

} // namespace

double ValuesPage::number(std::uint64_t row, std::uint64_t column) const {
    const std::size_t i = row * columns + column;
    return std::visit(
        [i](const auto& v) -> double {
            using V = typename std::decay_t<decltype(v)>::value_type;
            if constexpr (std::is_same_v<V, std::string>)
                return 0;
            else
                return static_cast<double>(v[i]);
        },
        values);
}

std::string ValuesPage::text(std::uint64_t row, std::uint64_t column) const {
    const std::size_t i = row * columns + column;
    return std::visit(
        [i](const auto& v) -> std::string {
            using V = typename std::decay_t<decltype(v)>::value_type;
            if constexpr (std::is_same_v<V, std::string>)
                return v[i];
            else
                return shortest(v[i]);
        },
        values);
}

Result<ValuesPage> read_page(hid_t dataset, const PageRequest& request) {
    const std::string name = object_path(dataset);
    Dataspace space(H5Dget_space(dataset));
    Datatype type(H5Dget_type(dataset));
    if (!space || !type) return h5_fail("cannot read the shape and type of " + name);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) return h5_fail("cannot read the shape of " + name);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        return h5_fail("cannot read the shape of " + name);

    ValuesPage page;
    page.shape.assign(dims.begin(), dims.end());
    page.dtype = dtype_name(type.get());
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_STRING)
        return fail(ErrorKind::bad_input,
                    fmt::format("{} holds {} values, which Sluice cannot show", name, page.dtype));

    // The table: the last two dimensions; the ones before them are fixed at `leading`.
    const std::size_t lead = rank > 2 ? static_cast<std::size_t>(rank) - 2 : 0;
    for (std::size_t d = 0; d < lead; ++d) {
        const std::uint64_t at = d < request.leading.size() ? request.leading[d] : 0;
        if (at >= dims[d])
            return fail(ErrorKind::bad_input, fmt::format("index {} of dimension {} is outside {} ({} there)",
                                                          at, d, name, dims[d]));
        page.leading.push_back(at);
    }
    page.total_rows = rank == 0 ? 1 : dims[lead];
    page.total_columns = rank >= 2 ? dims[lead + 1] : 1;
    page.first_row = std::min(request.first_row, page.total_rows);
    page.first_column = std::min(request.first_column, page.total_columns);

    std::uint64_t value_bytes = 8;
    if (cls == H5T_FLOAT && H5Tget_size(type.get()) <= 4) value_bytes = 4;
    if (cls == H5T_STRING)
        value_bytes = H5Tis_variable_str(type.get()) > 0 ? 16 : H5Tget_size(type.get()) + 1;
    page.columns =
        std::min({page.total_columns - page.first_column, std::max<std::uint64_t>(request.max_columns, 1),
                  max_page_values, std::max<std::uint64_t>(max_page_bytes / value_bytes, 1)});
    const std::uint64_t per_row = std::max<std::uint64_t>(page.columns, 1);
    page.rows = std::min({page.total_rows - page.first_row, request.max_rows, max_page_values / per_row,
                          max_page_bytes / (per_row * value_bytes)});
    if (page.columns == 0) page.rows = 0;

    // File and memory selections of rows × columns.
    const hsize_t n = page.rows * page.columns;
    const hsize_t mem_dims[1] = {std::max<hsize_t>(n, 1)};
    Dataspace memory(H5Screate_simple(1, mem_dims, nullptr));
    if (!memory) return h5_fail("cannot create a memory dataspace");
    if (rank > 0) {
        std::vector<hsize_t> start(page.leading.begin(), page.leading.end()), count(lead, 1);
        start.push_back(page.first_row);
        count.push_back(page.rows);
        if (rank >= 2) {
            start.push_back(page.first_column);
            count.push_back(page.columns);
        }
        const bool none = n == 0;
        if ((none ? H5Sselect_none(space.get())
                  : H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                        nullptr)) < 0 ||
            (none && H5Sselect_none(memory.get()) < 0))
            return h5_fail("cannot select a page of " + name);
    }

    Status read;
    if (cls == H5T_STRING)
        read = read_strings(dataset, type.get(), space.get(), memory.get(), page);
    else if (cls == H5T_FLOAT)
        read = value_bytes == 4
                   ? read_numbers<float>(dataset, H5T_NATIVE_FLOAT, space.get(), memory.get(), page)
                   : read_numbers<double>(dataset, H5T_NATIVE_DOUBLE, space.get(), memory.get(), page);
    else if (H5Tget_sign(type.get()) == H5T_SGN_NONE)
        read = read_numbers<std::uint64_t>(dataset, H5T_NATIVE_UINT64, space.get(), memory.get(), page);
    else
        read = read_numbers<std::int64_t>(dataset, H5T_NATIVE_INT64, space.get(), memory.get(), page);
    if (!read) return propagate(read);
    return page;
}

} // namespace sluice::h5
