#include "common/h5_describe.hpp"

#include "h5/handles.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>
#include <stdexcept>
#include <vector>

namespace sluice::test {
namespace {

std::string describe_value(hid_t file, hid_t attr) {
    h5::Datatype type(H5Aget_type(attr));
    h5::Dataspace space(H5Aget_space(attr));
    const auto npoints = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::string shape = rank == 0 ? "scalar" : fmt::format("[{}]", npoints);
    const auto cls = H5Tget_class(type.get());
    const auto size = H5Tget_size(type.get());
    std::string out;
    if (cls == H5T_FLOAT) {
        std::vector<double> v(npoints);
        H5Aread(attr, H5T_NATIVE_DOUBLE, v.data());
        out = fmt::format("f{} {} {}", size * 8, shape, fmt::join(v, ","));
    } else if (cls == H5T_INTEGER) {
        const bool is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
        std::vector<long long> v(npoints);
        H5Aread(attr, H5T_NATIVE_LLONG, v.data());
        out = fmt::format("{}{} {} {}", is_signed ? "i" : "u", size * 8, shape, fmt::join(v, ","));
    } else if (cls == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
        std::vector<char*> v(npoints);
        h5::Datatype mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        H5Aread(attr, mem.get(), v.data());
        std::vector<std::string> s;
        for (auto* p : v)
            s.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, v.data());
        out = fmt::format("vlen-str({}) {} '{}'", H5Tget_cset(type.get()) == H5T_CSET_UTF8 ? "utf8" : "ascii",
                          shape, fmt::join(s, "','"));
    } else if (cls == H5T_STRING) {
        std::vector<char> buf(npoints * size);
        H5Aread(attr, type.get(), buf.data());
        std::vector<std::string> s;
        for (std::size_t i = 0; i < npoints; ++i) {
            std::string e(buf.data() + i * size, size);
            s.push_back(e.substr(0, e.find('\0')));
        }
        out = fmt::format("S{} {} '{}'", size, shape, fmt::join(s, "','"));
    } else if (cls == H5T_REFERENCE) {
        std::vector<hobj_ref_t> refs(npoints);
        H5Aread(attr, H5T_STD_REF_OBJ, refs.data());
        std::vector<std::string> paths;
        for (auto& r : refs) {
            h5::Object obj(H5Rdereference2(file, H5P_DEFAULT, H5R_OBJECT, &r));
            char name[1024] = {};
            if (obj) H5Iget_name(obj.get(), name, sizeof name);
            paths.emplace_back(obj ? name : "<dangling>");
        }
        out = fmt::format("ref {} {}", shape, fmt::join(paths, ","));
    } else {
        out = fmt::format("class{} {}", static_cast<int>(cls), shape);
    }
    return out;
}

} // namespace

std::map<std::string, std::string> describe_attributes(const std::filesystem::path& file,
                                                       const std::string& path) {
    h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f) throw std::runtime_error("cannot open " + file.string());
    h5::Object obj(H5Oopen(f.get(), path.c_str(), H5P_DEFAULT));
    if (!obj) throw std::runtime_error("no object " + path + " in " + file.string());
    std::map<std::string, std::string> out;
    H5O_info_t info{};
    H5Oget_info(obj.get(), &info);
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
        h5::Attribute a(
            H5Aopen_by_idx(obj.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT));
        char name[256] = {};
        H5Aget_name(a.get(), sizeof name, name);
        out[name] = describe_value(f.get(), a.get());
    }
    return out;
}

std::map<std::string, std::string> describe_members(const std::filesystem::path& file,
                                                    const std::string& group) {
    h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!f) throw std::runtime_error("cannot open " + file.string());
    h5::Group g(H5Gopen2(f.get(), group.c_str(), H5P_DEFAULT));
    if (!g) throw std::runtime_error("no group " + group);
    std::map<std::string, std::string> out;
    auto visit = [](hid_t loc, const char* name, const H5L_info_t*, void* data) -> herr_t {
        H5O_info_t oi{};
        H5Oget_info_by_name(loc, name, &oi, H5P_DEFAULT);
        (*static_cast<std::map<std::string, std::string>*>(data))[name] = oi.type == H5O_TYPE_GROUP ? "group"
                                                                          : oi.type == H5O_TYPE_DATASET
                                                                              ? "dataset"
                                                                              : "other";
        return 0;
    };
    H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &out);
    return out;
}

} // namespace sluice::test
