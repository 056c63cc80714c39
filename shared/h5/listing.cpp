#include "h5/listing.hpp"

#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/handles.hpp"
#include "h5/result_group.hpp"
#include "signal/filters.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace sluice::h5 {
namespace {

constexpr std::size_t kMaxShownValues = 16;

std::string join_path(const std::string& group, const std::string& name) {
    return group.ends_with('/') ? group + name : group + "/" + name;
}

std::vector<std::uint64_t> extent(hid_t space) {
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank <= 0) return {};
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    return {dims.begin(), dims.end()};
}

template <class T>
std::string join_values(const std::vector<T>& values, std::uint64_t total) {
    std::string out = values.size() == 1 && total == 1 ? "" : "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ", ";
        if constexpr (std::is_floating_point_v<T>)
            out += signal::format_number(static_cast<double>(values[i]));
        else
            out += std::to_string(values[i]);
    }
    if (total > values.size()) out += fmt::format(", … ({} values)", total);
    if (!(values.size() == 1 && total == 1)) out += "]";
    return out;
}

template <class T>
std::string numeric_value(hid_t attr, hid_t memtype, std::uint64_t count) {
    std::vector<T> all(count);
    if (H5Aread(attr, memtype, all.data()) < 0) return "(unreadable: " + take_error_stack() + ")";
    all.resize(std::min<std::size_t>(count, kMaxShownValues));
    return join_values(all, count);
}

std::string attribute_value(hid_t obj, const std::string& name, hid_t attr, hid_t type, std::uint64_t count) {
    const auto shown = [](const auto& r) {
        return r ? std::string() : "(unreadable: " + r.error().message + ")";
    };
    switch (H5Tget_class(type)) {
    case H5T_STRING: {
        if (count == 1) {
            auto s = read_string_attribute(obj, name);
            return s ? *s : shown(s);
        }
        auto list = read_string_array_attribute(obj, name);
        if (!list) return shown(list);
        std::string out = "[";
        for (std::size_t i = 0; i < list->size() && i < kMaxShownValues; ++i)
            out += (i ? ", '" : "'") + (*list)[i] + "'";
        if (list->size() > kMaxShownValues) out += fmt::format(", … ({} values)", list->size());
        return out + "]";
    }
    case H5T_FLOAT:
        return numeric_value<double>(attr, H5T_NATIVE_DOUBLE, count);
    case H5T_INTEGER:
        if (H5Tget_sign(type) == H5T_SGN_NONE)
            return numeric_value<unsigned long long>(attr, H5T_NATIVE_ULLONG, count);
        return numeric_value<long long>(attr, H5T_NATIVE_LLONG, count);
    case H5T_REFERENCE: {
        if (count != 1) return fmt::format("{} object references", count);
        auto target = read_reference_attribute(obj, name);
        return target ? "→ " + *target : shown(target);
    }
    default:
        return fmt::format("({} value not shown)", dtype_name(type));
    }
}

// A results group says so in its `tool` attribute (FILTER_SPEC §6).
bool is_filter_result(hid_t parent, const std::string& name) {
    Group g(H5Gopen2(parent, name.c_str(), H5P_DEFAULT));
    if (!g || !has_attribute(g.get(), "tool")) {
        (void)take_error_stack();
        return false;
    }
    const auto tool = read_string_attribute(g.get(), "tool");
    return tool && *tool == results_tool;
}

} // namespace

std::string dtype_name(hid_t type) {
    const std::size_t bits = H5Tget_size(type) * 8;
    switch (H5Tget_class(type)) {
    case H5T_INTEGER:
        return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits);
    case H5T_FLOAT:
        return fmt::format("float{}", bits);
    case H5T_STRING:
        return "string";
    case H5T_REFERENCE:
        return "reference";
    case H5T_COMPOUND:
        return "compound";
    case H5T_ENUM:
        return "enum";
    case H5T_ARRAY:
        return "array";
    case H5T_VLEN:
        return "vlen";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_BITFIELD:
        return "bitfield";
    default:
        return "unknown";
    }
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
    if (shape.empty()) return "scalar";
    if (shape.size() == 1) return fmt::format("({},)", shape[0]);
    return fmt::format("({})", fmt::join(shape, ", "));
}

Result<std::vector<Entry>> list_group(hid_t file, const std::string& group_path) {
    Group group(H5Gopen2(file, group_path.c_str(), H5P_DEFAULT));
    if (!group) return h5_fail(fmt::format("cannot open group {}", group_path), ErrorKind::bad_input);

    std::vector<std::pair<std::string, H5L_type_t>> links;
    const auto collect = [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
        static_cast<decltype(links)*>(data)->emplace_back(name, info->type);
        return 0;
    };
    hsize_t index = 0;
    if (H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect, &links) < 0)
        return h5_fail(fmt::format("cannot list group {}", group_path));

    std::vector<Entry> out;
    out.reserve(links.size());
    for (const auto& [name, link_type] : links) {
        Entry e;
        e.name = name;
        e.path = join_path(group_path, name);
        if (link_type == H5L_TYPE_SOFT || link_type == H5L_TYPE_EXTERNAL) {
            e.kind = link_type == H5L_TYPE_SOFT ? EntryKind::soft_link : EntryKind::external_link;
            H5L_info_t info{};
            if (H5Lget_info(group.get(), name.c_str(), &info, H5P_DEFAULT) >= 0 && info.u.val_size > 0) {
                std::string buf(info.u.val_size, '\0');
                if (H5Lget_val(group.get(), name.c_str(), buf.data(), buf.size(), H5P_DEFAULT) >= 0) {
                    if (link_type == H5L_TYPE_SOFT) {
                        e.link_target = buf.c_str();
                    } else {
                        const char* target_file = nullptr;
                        const char* target_path = nullptr;
                        unsigned flags = 0;
                        if (H5Lunpack_elink_val(buf.data(), buf.size(), &flags, &target_file, &target_path) >=
                            0)
                            e.link_target = fmt::format("{}:{}", target_file, target_path);
                    }
                }
            }
            out.push_back(std::move(e));
            continue;
        }
        H5O_info_t info{};
        if (H5Oget_info_by_name2(group.get(), name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
            (void)take_error_stack(); // one unreadable member should not hide the others
            out.push_back(std::move(e));
            continue;
        }
        if (info.type == H5O_TYPE_GROUP) {
            e.kind = EntryKind::group;
            e.filter_result = is_filter_result(group.get(), name);
        }
        if (info.type == H5O_TYPE_NAMED_DATATYPE) e.kind = EntryKind::named_type;
        if (info.type == H5O_TYPE_DATASET) {
            e.kind = EntryKind::dataset;
            Dataset d(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT));
            if (d) {
                Dataspace space(H5Dget_space(d.get()));
                Datatype type(H5Dget_type(d.get()));
                if (space) e.shape = extent(space.get());
                if (type) e.dtype = dtype_name(type.get());
            }
        }
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::vector<AttributeEntry>> list_attributes(hid_t file, const std::string& path) {
    Object obj(H5Oopen(file, path.c_str(), H5P_DEFAULT));
    if (!obj) return h5_fail(fmt::format("cannot open {}", path), ErrorKind::bad_input);

    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    hsize_t index = 0;
    if (H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names) < 0)
        return h5_fail(fmt::format("cannot list the attributes of {}", path));

    std::vector<AttributeEntry> out;
    out.reserve(names.size());
    for (const auto& name : names) {
        AttributeEntry e;
        e.name = name;
        Attribute attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT));
        Datatype type(attr ? H5Aget_type(attr.get()) : H5I_INVALID_HID);
        Dataspace space(attr ? H5Aget_space(attr.get()) : H5I_INVALID_HID);
        if (!attr || !type || !space) {
            e.value = "(unreadable: " + take_error_stack() + ")";
            out.push_back(std::move(e));
            continue;
        }
        const auto shape = extent(space.get());
        const auto count = static_cast<std::uint64_t>(H5Sget_simple_extent_npoints(space.get()));
        e.type = dtype_name(type.get());
        e.shape = shape_text(shape);
        e.value = count == 0 ? "(empty)" : attribute_value(obj.get(), name, attr.get(), type.get(), count);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace sluice::h5
