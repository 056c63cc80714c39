#include "h5/attributes.hpp"

#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "util/memory_budget.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sluice::h5 {
namespace {

// One attribute opened for reading, with its type and element count.
struct OpenAttribute {
    Attribute attr;
    Datatype type;
    Dataspace space;
    std::size_t count = 0;
    H5T_class_t cls = H5T_NO_CLASS;
};

std::string where(hid_t obj, const std::string& name) {
    return fmt::format("attribute '{}' of {}", name, object_path(obj));
}

Result<OpenAttribute> open_attribute(hid_t obj, const std::string& name) {
    const htri_t exists = H5Aexists(obj, name.c_str());
    if (exists < 0) return h5_fail("cannot look for " + where(obj, name));
    if (exists == 0) return fail(ErrorKind::bad_input, where(obj, name) + " is missing");
    OpenAttribute a;
    a.attr = Attribute(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    if (!a.attr) return h5_fail("cannot open " + where(obj, name));
    a.type = Datatype(H5Aget_type(a.attr.get()));
    a.space = Dataspace(H5Aget_space(a.attr.get()));
    if (!a.type || !a.space) return h5_fail("cannot read the type of " + where(obj, name));
    const auto n = H5Sget_simple_extent_npoints(a.space.get());
    if (n < 0) return h5_fail("cannot read the shape of " + where(obj, name));
    a.count = static_cast<std::size_t>(n);
    a.cls = H5Tget_class(a.type.get());
    // A damaged or crafted file can declare any size; real attributes are small.
    if (auto st = check_attribute_size(where(obj, name), a.count, H5Tget_size(a.type.get())); !st)
        return propagate(st);
    return a;
}

// Readers accept a scalar or a one-element array where one value is expected.
Status expect_one(const OpenAttribute& a, hid_t obj, const std::string& name, std::string_view what) {
    if (a.count == 1) return {};
    return fail(ErrorKind::bad_input,
                fmt::format("{} holds {} values, expected one {}", where(obj, name), a.count, what));
}

Status wrong_type(const OpenAttribute& a, hid_t obj, const std::string& name, std::string_view expected) {
    return fail(ErrorKind::bad_input,
                fmt::format("{} is {}, not {}", where(obj, name), numpy_dtype_name(a.type.get()), expected));
}

Result<std::vector<std::string>> read_strings(const OpenAttribute& a, hid_t obj, const std::string& name) {
    std::vector<std::string> out;
    out.reserve(a.count);
    if (H5Tis_variable_str(a.type.get()) > 0) {
        Datatype mem(H5Tcopy(H5T_C_S1));
        if (!mem || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
            H5Tset_cset(mem.get(), H5Tget_cset(a.type.get())) < 0)
            return h5_fail("cannot set up a string type for " + where(obj, name));
        std::vector<char*> ptrs(a.count, nullptr);
        if (H5Aread(a.attr.get(), mem.get(), ptrs.data()) < 0)
            return h5_fail("cannot read " + where(obj, name));
        for (const char* p : ptrs)
            out.emplace_back(p ? p : "");
        if (H5Dvlen_reclaim(mem.get(), a.space.get(), H5P_DEFAULT, ptrs.data()) < 0)
            return h5_fail("cannot release the strings of " + where(obj, name));
        return out;
    }
    const std::size_t size = H5Tget_size(a.type.get());
    if (size == 0) return h5_fail("cannot read the string size of " + where(obj, name));
    const auto pad = H5Tget_strpad(a.type.get());
    Datatype mem(H5Tcopy(H5T_C_S1));
    if (!mem || H5Tset_size(mem.get(), size) < 0 || H5Tset_strpad(mem.get(), pad) < 0 ||
        H5Tset_cset(mem.get(), H5Tget_cset(a.type.get())) < 0)
        return h5_fail("cannot set up a string type for " + where(obj, name));
    std::vector<char> buf(a.count * size, '\0');
    if (H5Aread(a.attr.get(), mem.get(), buf.data()) < 0) return h5_fail("cannot read " + where(obj, name));
    for (std::size_t i = 0; i < a.count; ++i) {
        std::string s(buf.data() + i * size, size);
        s.resize(std::min(s.find('\0'), s.size()));
        if (pad == H5T_STR_SPACEPAD) s.erase(s.find_last_not_of(' ') + 1);
        out.push_back(std::move(s));
    }
    return out;
}

Status replace_attribute(hid_t obj, const std::string& name, hid_t file_type, hid_t space, hid_t mem_type,
                         const void* buf) {
    const htri_t exists = H5Aexists(obj, name.c_str());
    if (exists < 0) return h5_fail("cannot look for " + where(obj, name));
    if (exists > 0 && H5Adelete(obj, name.c_str()) < 0) return h5_fail("cannot replace " + where(obj, name));
    Attribute a(H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT));
    if (!a) return h5_fail("cannot create " + where(obj, name));
    if (H5Awrite(a.get(), mem_type, buf) < 0) return h5_fail("cannot write " + where(obj, name));
    return {};
}

Result<Dataspace> vector_space(std::size_t n) {
    const hsize_t dims[1] = {n};
    Dataspace s(H5Screate_simple(1, dims, nullptr));
    if (!s) return h5_fail("cannot create a dataspace");
    return s;
}

Result<Dataspace> scalar_space() {
    Dataspace s(H5Screate(H5S_SCALAR));
    if (!s) return h5_fail("cannot create a dataspace");
    return s;
}

unsigned long file_number(hid_t obj) {
    H5O_info_t info{};
    if (H5Oget_info2(obj, &info, H5O_INFO_BASIC) < 0) {
        (void)take_error_stack();
        return 0;
    }
    return info.fileno;
}

} // namespace

Status check_attribute_size(std::string_view what, std::uint64_t count, std::uint64_t value_size) {
    return check_memory(fmt::format("{} ({} values)", what, grouped(count)), count,
                        std::max<std::uint64_t>(value_size, 1), max_attribute_bytes);
}

std::string numpy_dtype_name(hid_t type) {
    const std::size_t size = H5Tget_size(type);
    const bool big_endian = H5Tget_order(type) == H5T_ORDER_BE;
    const std::string order = big_endian ? ">" : "";
    switch (H5Tget_class(type)) {
    case H5T_INTEGER:
        return fmt::format("{}{}int{}", order, H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", size * 8);
    case H5T_FLOAT:
        return fmt::format("{}float{}", order, size * 8);
    case H5T_STRING:
        if (H5Tis_variable_str(type) > 0) return "str";
        return fmt::format("|S{}", size);
    case H5T_REFERENCE:
        return H5Tequal(type, H5T_STD_REF_OBJ) > 0 ? "object-ref" : "region-ref";
    case H5T_ENUM: {
        Datatype base(H5Tget_super(type));
        return base ? "enum(" + numpy_dtype_name(base.get()) + ")" : "enum";
    }
    case H5T_COMPOUND: {
        const int n = H5Tget_nmembers(type);
        std::string out = "[";
        for (int i = 0; i < n; ++i) {
            char* member = H5Tget_member_name(type, static_cast<unsigned>(i));
            Datatype mt(H5Tget_member_type(type, static_cast<unsigned>(i)));
            out += fmt::format("{}('{}', {})", i ? ", " : "", member ? member : "?",
                               mt ? numpy_dtype_name(mt.get()) : "?");
            H5free_memory(member);
        }
        return out + "]";
    }
    case H5T_ARRAY: {
        Datatype base(H5Tget_super(type));
        const int rank = H5Tget_array_ndims(type);
        std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
        if (rank > 0) H5Tget_array_dims2(type, dims.data());
        return fmt::format("({}, ({}))", base ? numpy_dtype_name(base.get()) : "?", fmt::join(dims, ", "));
    }
    case H5T_VLEN: {
        Datatype base(H5Tget_super(type));
        return "vlen(" + (base ? numpy_dtype_name(base.get()) : std::string("?")) + ")";
    }
    case H5T_OPAQUE:
        return fmt::format("|V{}", size);
    case H5T_BITFIELD:
        return fmt::format("bitfield{}", size * 8);
    case H5T_TIME:
        return "time";
    default:
        return "unknown";
    }
}

bool has_attribute(hid_t obj, const std::string& name) {
    const htri_t r = H5Aexists(obj, name.c_str());
    if (r < 0) (void)take_error_stack();
    return r > 0;
}

Status delete_attribute(hid_t obj, const std::string& name) {
    const htri_t exists = H5Aexists(obj, name.c_str());
    if (exists < 0) return h5_fail("cannot look for " + where(obj, name));
    if (exists > 0 && H5Adelete(obj, name.c_str()) < 0) return h5_fail("cannot remove " + where(obj, name));
    return {};
}

Result<std::string> read_string_attribute(hid_t obj, const std::string& name) {
    auto a = open_attribute(obj, name);
    if (!a) return propagate(a);
    if (a->cls != H5T_STRING) return std::unexpected(wrong_type(*a, obj, name, "a string").error());
    if (auto st = expect_one(*a, obj, name, "string"); !st) return propagate(st);
    auto v = read_strings(*a, obj, name);
    if (!v) return propagate(v);
    return std::move(v->front());
}

Result<std::vector<std::string>> read_string_array_attribute(hid_t obj, const std::string& name) {
    auto a = open_attribute(obj, name);
    if (!a) return propagate(a);
    if (a->cls != H5T_STRING)
        return std::unexpected(wrong_type(*a, obj, name, "an array of strings").error());
    return read_strings(*a, obj, name);
}

Result<double> read_double_attribute(hid_t obj, const std::string& name) {
    auto a = open_attribute(obj, name);
    if (!a) return propagate(a);
    if (a->cls != H5T_FLOAT && a->cls != H5T_INTEGER)
        return std::unexpected(wrong_type(*a, obj, name, "a number").error());
    if (auto st = expect_one(*a, obj, name, "number"); !st) return propagate(st);
    double v = 0;
    if (H5Aread(a->attr.get(), H5T_NATIVE_DOUBLE, &v) < 0) return h5_fail("cannot read " + where(obj, name));
    return v;
}

Result<std::vector<double>> read_double_array_attribute(hid_t obj, const std::string& name) {
    auto a = open_attribute(obj, name);
    if (!a) return propagate(a);
    if (a->cls != H5T_FLOAT && a->cls != H5T_INTEGER)
        return std::unexpected(wrong_type(*a, obj, name, "numbers").error());
    std::vector<double> v(a->count);
    if (!v.empty() && H5Aread(a->attr.get(), H5T_NATIVE_DOUBLE, v.data()) < 0)
        return h5_fail("cannot read " + where(obj, name));
    return v;
}

Result<std::int64_t> read_int_attribute(hid_t obj, const std::string& name) {
    auto a = open_attribute(obj, name);
    if (!a) return propagate(a);
    if (auto st = expect_one(*a, obj, name, "integer"); !st) return propagate(st);
    if (a->cls == H5T_FLOAT) {
        // Some writers store counts as floats; accept them when they hold a whole number.
        double v = 0;
        if (H5Aread(a->attr.get(), H5T_NATIVE_DOUBLE, &v) < 0)
            return h5_fail("cannot read " + where(obj, name));
        if (!std::isfinite(v) || v != std::trunc(v) || std::fabs(v) > 9.0e15)
            return fail(ErrorKind::bad_input, fmt::format("{} is {}, not an integer", where(obj, name), v));
        return static_cast<std::int64_t>(v);
    }
    if (a->cls != H5T_INTEGER) return std::unexpected(wrong_type(*a, obj, name, "an integer").error());
    std::int64_t v = 0;
    if (H5Aread(a->attr.get(), H5T_NATIVE_INT64, &v) < 0) return h5_fail("cannot read " + where(obj, name));
    return v;
}

Result<std::string> read_reference_attribute(hid_t obj, const std::string& name) {
    auto a = open_attribute(obj, name);
    if (!a) return propagate(a);
    if (a->cls != H5T_REFERENCE || H5Tequal(a->type.get(), H5T_STD_REF_OBJ) <= 0)
        return std::unexpected(wrong_type(*a, obj, name, "an object reference").error());
    if (auto st = expect_one(*a, obj, name, "object reference"); !st) return propagate(st);
    hobj_ref_t ref{};
    if (H5Aread(a->attr.get(), H5T_STD_REF_OBJ, &ref) < 0) return h5_fail("cannot read " + where(obj, name));
    if (ref == 0) return fail(ErrorKind::bad_input, where(obj, name) + " is an empty reference");
    Object target(H5Rdereference2(obj, H5P_DEFAULT, H5R_OBJECT, &ref));
    if (!target) {
        (void)take_error_stack();
        return fail(ErrorKind::bad_input, where(obj, name) + " points to an object that does not exist");
    }
    const auto path = object_path(target.get());
    if (path.empty() || path.front() != '/')
        return fail(ErrorKind::bad_input,
                    where(obj, name) + " points to an object that is no longer linked in the file");
    return path;
}

Status write_string_attribute(hid_t obj, const std::string& name, const std::string& value) {
    Datatype type(H5Tcopy(H5T_C_S1));
    if (!type || H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0 ||
        H5Tset_strpad(type.get(), H5T_STR_NULLTERM) < 0)
        return h5_fail("cannot set up a string type for " + where(obj, name));
    auto space = scalar_space();
    if (!space) return propagate(space);
    const char* p = value.c_str();
    return replace_attribute(obj, name, type.get(), space->get(), type.get(), &p);
}

Status write_double_attribute(hid_t obj, const std::string& name, double value) {
    auto space = scalar_space();
    if (!space) return propagate(space);
    return replace_attribute(obj, name, H5T_IEEE_F64LE, space->get(), H5T_NATIVE_DOUBLE, &value);
}

Status write_int_attribute(hid_t obj, const std::string& name, std::int64_t value) {
    auto space = scalar_space();
    if (!space) return propagate(space);
    return replace_attribute(obj, name, H5T_STD_I64LE, space->get(), H5T_NATIVE_INT64, &value);
}

Status write_double_array_attribute(hid_t obj, const std::string& name, const std::vector<double>& v) {
    auto space = vector_space(v.size());
    if (!space) return propagate(space);
    const double dummy = 0; // HDF5 wants a buffer even for zero elements
    return replace_attribute(obj, name, H5T_IEEE_F64LE, space->get(), H5T_NATIVE_DOUBLE,
                             v.empty() ? &dummy : v.data());
}

Status write_int_array_attribute(hid_t obj, const std::string& name, const std::vector<std::int64_t>& v) {
    auto space = vector_space(v.size());
    if (!space) return propagate(space);
    const std::int64_t dummy = 0;
    return replace_attribute(obj, name, H5T_STD_I64LE, space->get(), H5T_NATIVE_INT64,
                             v.empty() ? &dummy : v.data());
}

Status write_fixed_string_array_attribute(hid_t obj, const std::string& name,
                                          const std::vector<std::string>& v) {
    // numpy's 'S' dtype: ASCII, null-padded, as wide as the longest element (at least one byte).
    std::size_t width = 1;
    for (const auto& s : v)
        width = std::max(width, s.size());
    Datatype type(H5Tcopy(H5T_C_S1));
    if (!type || H5Tset_size(type.get(), width) < 0 || H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(type.get(), H5T_CSET_ASCII) < 0)
        return h5_fail("cannot set up a string type for " + where(obj, name));
    std::vector<char> buf(std::max<std::size_t>(v.size(), 1) * width, '\0');
    for (std::size_t i = 0; i < v.size(); ++i)
        std::copy(v[i].begin(), v[i].end(), buf.begin() + static_cast<std::ptrdiff_t>(i * width));
    auto space = vector_space(v.size());
    if (!space) return propagate(space);
    return replace_attribute(obj, name, type.get(), space->get(), type.get(), buf.data());
}

Status write_reference_attribute(hid_t obj, const std::string& name, hid_t file,
                                 const std::string& target_path) {
    if (!path_exists(file, target_path))
        return fail(ErrorKind::internal, fmt::format("cannot write {}: there is no object '{}' to point to",
                                                     where(obj, name), target_path));
    hobj_ref_t ref{};
    if (H5Rcreate(&ref, file, target_path.c_str(), H5R_OBJECT, -1) < 0)
        return h5_fail(fmt::format("cannot make a reference to {} for {}", target_path, where(obj, name)));
    auto space = scalar_space();
    if (!space) return propagate(space);
    return replace_attribute(obj, name, H5T_STD_REF_OBJ, space->get(), H5T_STD_REF_OBJ, &ref);
}

namespace {

// Object references name addresses in their own file. Into another file they are re-made by path, and
// left out when that path does not exist there (a copied address would point at arbitrary bytes).
Result<bool> copy_reference_attribute(hid_t src, hid_t dst, const std::string& name, const OpenAttribute& a) {
    if (H5Tequal(a.type.get(), H5T_STD_REF_OBJ) <= 0) return false; // region references: file-bound
    std::vector<hobj_ref_t> refs(a.count);
    if (H5Aread(a.attr.get(), H5T_STD_REF_OBJ, refs.data()) < 0)
        return h5_fail("cannot read " + where(src, name));
    for (auto& ref : refs) {
        Object target(H5Rdereference2(src, H5P_DEFAULT, H5R_OBJECT, &ref));
        if (!target) {
            (void)take_error_stack();
            return false;
        }
        const auto path = object_path(target.get());
        if (!path_exists(dst, path)) return false;
        if (H5Rcreate(&ref, dst, path.c_str(), H5R_OBJECT, -1) < 0)
            return h5_fail(fmt::format("cannot make a reference to {} for {}", path, where(dst, name)));
    }
    if (auto st = replace_attribute(dst, name, H5T_STD_REF_OBJ, a.space.get(), H5T_STD_REF_OBJ, refs.data());
        !st)
        return propagate(st);
    return true;
}

} // namespace

Status copy_attributes(hid_t src, hid_t dst) {
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    hsize_t idx = 0;
    if (H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &names) < 0)
        return h5_fail("cannot list the attributes of " + object_path(src));
    const bool same_file = file_number(src) == file_number(dst) && file_number(src) != 0;

    for (const auto& name : names) {
        auto a = open_attribute(src, name);
        if (!a) return propagate(a);
        if (a->cls == H5T_REFERENCE && !same_file) {
            if (auto r = copy_reference_attribute(src, dst, name, *a); !r) return propagate(r);
            continue;
        }
        // The attribute's own (in-memory) type reads the values unconverted, variable-length parts as
        // pointers, which H5Dvlen_reclaim frees afterwards (a no-op for fixed-size types).
        const std::size_t size = H5Tget_size(a->type.get());
        std::vector<unsigned char> buf(std::max<std::size_t>(a->count * size, 1));
        if (H5Aread(a->attr.get(), a->type.get(), buf.data()) < 0)
            return h5_fail("cannot read " + where(src, name));
        auto st = replace_attribute(dst, name, a->type.get(), a->space.get(), a->type.get(), buf.data());
        if (H5Dvlen_reclaim(a->type.get(), a->space.get(), H5P_DEFAULT, buf.data()) < 0 && st)
            st = h5_fail("cannot release the values of " + where(src, name));
        if (!st) return st;
    }
    return {};
}

} // namespace sluice::h5
