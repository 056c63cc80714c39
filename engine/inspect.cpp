// `sluice-engine inspect`: the file's tree with shapes, numpy-like dtypes, attribute values (shortened)
// and which datasets are h5USID Main. The tree is built once as JSON; the text view renders that JSON,
// so both outputs always say the same thing.
#include "commands.hpp"
#include "h5/attributes.hpp"
#include "h5/h5_error.hpp"
#include "h5/h5_file.hpp"
#include "h5/handles.hpp"
#include "h5/usid.hpp"
#include "util/json_text.hpp"
#include "util/utf8.hpp"

#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace sluice::engine {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxValues = 16;       // array elements shown per attribute
constexpr std::size_t kMaxStringJson = 4096; // characters kept per string in JSON
constexpr std::size_t kMaxStringText = 100;  // ... and in the text view

std::string join(const std::string& group, const std::string& name) {
    return group == "/" ? "/" + name : group + "/" + name;
}

std::string shorten(const std::string& s, std::size_t max) {
    return s.size() <= max ? s : s.substr(0, max) + "…";
}

json number(double v) {
    if (std::isfinite(v)) return v;
    return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); // JSON has no NaN or Inf
}

json shape_of(hid_t space) {
    json shape = json::array();
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank <= 0) return shape;
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    for (auto d : dims)
        shape.push_back(d);
    return shape;
}

// The attribute's value as JSON: scalars as they are, arrays as (at most kMaxValues) lists.
json attribute_value(hid_t obj, const std::string& name, hid_t attr, hid_t type, std::size_t count,
                     bool scalar, bool& truncated) {
    const auto pack = [&](json list) -> json {
        if (scalar && list.size() == 1) return list.front();
        return list;
    };
    truncated = count > kMaxValues;
    const std::size_t shown = std::min(count, kMaxValues);
    switch (H5Tget_class(type)) {
    case H5T_STRING: {
        auto v = h5::read_string_array_attribute(obj, name);
        if (!v) return "(unreadable: " + v.error().message + ")";
        json list = json::array();
        for (std::size_t i = 0; i < shown; ++i)
            list.push_back(shorten((*v)[i], kMaxStringJson));
        return pack(list);
    }
    case H5T_FLOAT: {
        std::vector<double> v(count);
        if (H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()) < 0)
            return "(unreadable: " + h5::take_error_stack() + ")";
        json list = json::array();
        for (std::size_t i = 0; i < shown; ++i)
            list.push_back(number(v[i]));
        return pack(list);
    }
    case H5T_INTEGER: {
        json list = json::array();
        if (H5Tget_sign(type) == H5T_SGN_NONE) {
            std::vector<std::uint64_t> v(count);
            if (H5Aread(attr, H5T_NATIVE_UINT64, v.data()) < 0)
                return "(unreadable: " + h5::take_error_stack() + ")";
            for (std::size_t i = 0; i < shown; ++i)
                list.push_back(v[i]);
        } else {
            std::vector<std::int64_t> v(count);
            if (H5Aread(attr, H5T_NATIVE_INT64, v.data()) < 0)
                return "(unreadable: " + h5::take_error_stack() + ")";
            for (std::size_t i = 0; i < shown; ++i)
                list.push_back(v[i]);
        }
        return pack(list);
    }
    case H5T_REFERENCE: {
        if (H5Tequal(type, H5T_STD_REF_OBJ) <= 0) return "(region reference)";
        std::vector<hobj_ref_t> refs(count);
        if (H5Aread(attr, H5T_STD_REF_OBJ, refs.data()) < 0)
            return "(unreadable: " + h5::take_error_stack() + ")";
        json list = json::array();
        for (std::size_t i = 0; i < shown; ++i) {
            h5::Object target(refs[i] ? H5Rdereference2(obj, H5P_DEFAULT, H5R_OBJECT, &refs[i])
                                      : H5I_INVALID_HID);
            if (!target) (void)h5::take_error_stack();
            list.push_back(json{{"ref", target ? h5::object_path(target.get()) : "(dangling)"}});
        }
        return pack(list);
    }
    default:
        return nullptr;
    }
}

json attributes_of(hid_t obj) {
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* n, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(n);
        return 0;
    };
    hsize_t idx = 0;
    json out = json::array();
    if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &names) < 0) {
        out.push_back(json{{"name", "(unreadable)"}, {"error", h5::take_error_stack()}});
        return out;
    }
    for (const auto& name : names) {
        h5::Attribute attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
        h5::Datatype type(attr ? H5Aget_type(attr.get()) : H5I_INVALID_HID);
        h5::Dataspace space(attr ? H5Aget_space(attr.get()) : H5I_INVALID_HID);
        if (!attr || !type || !space) {
            out.push_back(json{{"name", name}, {"error", h5::take_error_stack()}});
            continue;
        }
        const auto count =
            static_cast<std::size_t>(std::max<hssize_t>(H5Sget_simple_extent_npoints(space.get()), 0));
        const bool scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
        bool truncated = false;
        json a{{"name", name}, {"dtype", h5::numpy_dtype_name(type.get())}, {"shape", shape_of(space.get())}};
        a["value"] = attribute_value(obj, name, attr.get(), type.get(), count, scalar, truncated);
        if (truncated) a["truncated"] = true;
        out.push_back(std::move(a));
    }
    return out;
}

struct Walker {
    hid_t file;
    std::set<std::pair<unsigned long, haddr_t>> seen_groups; // hard links can make cycles

    json group(const std::string& path, const std::string& name) {
        json node{{"name", name}, {"path", path}, {"kind", "group"}};
        h5::Group g(H5Gopen2(file, path.c_str(), H5P_DEFAULT));
        if (!g) {
            node["error"] = h5::take_error_stack();
            return node;
        }
        H5O_info_t info{};
        if (H5Oget_info2(g.get(), &info, H5O_INFO_BASIC) >= 0 &&
            !seen_groups.insert({info.fileno, info.addr}).second) {
            node["note"] = "another link to a group shown above";
            return node;
        }
        node["attributes"] = attributes_of(g.get());

        std::vector<std::pair<std::string, H5L_type_t>> links;
        const auto collect = [](hid_t, const char* n, const H5L_info_t* li, void* data) -> herr_t {
            static_cast<decltype(links)*>(data)->emplace_back(n, li->type);
            return 0;
        };
        hsize_t idx = 0;
        if (H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &links) < 0) {
            node["error"] = h5::take_error_stack();
            return node;
        }
        json children = json::array();
        for (const auto& [child, type] : links)
            children.push_back(member(g.get(), join(path, child), child, type));
        node["children"] = std::move(children);
        return node;
    }

    json member(hid_t parent, const std::string& path, const std::string& name, H5L_type_t link) {
        if (link == H5L_TYPE_SOFT || link == H5L_TYPE_EXTERNAL) {
            json node{{"name", name},
                      {"path", path},
                      {"kind", link == H5L_TYPE_SOFT ? "soft_link" : "external_link"}};
            H5L_info_t li{};
            if (H5Lget_info(parent, name.c_str(), &li, H5P_DEFAULT) >= 0 && li.u.val_size > 0) {
                std::string buf(li.u.val_size, '\0');
                if (H5Lget_val(parent, name.c_str(), buf.data(), buf.size(), H5P_DEFAULT) >= 0) {
                    const char* target_file = nullptr;
                    const char* target_path = nullptr;
                    unsigned flags = 0;
                    if (link == H5L_TYPE_SOFT)
                        node["target"] = std::string(buf.c_str());
                    else if (H5Lunpack_elink_val(buf.data(), buf.size(), &flags, &target_file,
                                                 &target_path) >= 0)
                        node["target"] = fmt::format("{}:{}", target_file, target_path);
                }
            }
            (void)h5::take_error_stack();
            return node;
        }
        H5O_info_t info{};
        if (H5Oget_info_by_name2(parent, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
            return json{
                {"name", name}, {"path", path}, {"kind", "unknown"}, {"error", h5::take_error_stack()}};
        if (info.type == H5O_TYPE_GROUP) return group(path, name);
        if (info.type != H5O_TYPE_DATASET)
            return json{{"name", name}, {"path", path}, {"kind", "named_datatype"}};
        json node{{"name", name}, {"path", path}, {"kind", "dataset"}};
        h5::Dataset d(H5Dopen2(parent, name.c_str(), H5P_DEFAULT));
        h5::Datatype type(d ? H5Dget_type(d.get()) : H5I_INVALID_HID);
        h5::Dataspace space(d ? H5Dget_space(d.get()) : H5I_INVALID_HID);
        if (!d || !type || !space) {
            node["error"] = h5::take_error_stack();
            return node;
        }
        node["dtype"] = h5::numpy_dtype_name(type.get());
        node["shape"] = shape_of(space.get());
        node["attributes"] = attributes_of(d.get());
        return node;
    }
};

json main_datasets(hid_t file) {
    json out = json::array();
    for (const auto& path : h5::find_main_datasets(file)) {
        json m{{"path", path}};
        auto info = h5::read_main_dataset(file, path);
        if (!info) {
            m["error"] = info.error().message; // e.g. empty, or an unusable sample-rate attribute
        } else {
            m.update(
                json{{"rows", info->rows},
                     {"points", info->points},
                     {"dtype", info->dtype},
                     {"filterable", info->not_filterable.empty()},
                     {"quantity", info->quantity},
                     {"units", info->units},
                     {"sample_rate_hz", info->sample_rate_hz ? json(*info->sample_rate_hz) : json(nullptr)},
                     {"sample_rate_origin", info->sample_rate_origin}});
            if (!info->not_filterable.empty()) m["not_filterable"] = info->not_filterable;
        }
        out.push_back(std::move(m));
    }
    return out;
}

void mark_main(json& node, const std::set<std::string>& main) {
    if (node.value("kind", "") == "dataset") node["main"] = main.contains(node.value("path", ""));
    if (node.contains("children"))
        for (auto& c : node["children"])
            mark_main(c, main);
}

// ---- text view ----

std::string value_text(const json& v) {
    if (v.is_string()) return "'" + shorten(v.get<std::string>(), kMaxStringText) + "'";
    if (v.is_object() && v.contains("ref")) return "→ " + v["ref"].get<std::string>();
    if (v.is_null()) return "(not shown)";
    if (v.is_array()) {
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i)
            out += (i ? ", " : "") + value_text(v[i]);
        return out + "]";
    }
    if (v.is_number_float()) return fmt::format("{}", v.get<double>());
    return json_text(v);
}

std::string shape_text(const json& shape) {
    if (shape.empty()) return "scalar";
    std::string out = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + json_text(shape[i]);
    return out + (shape.size() == 1 ? ",)" : ")");
}

// Names and values come from the file: shown without terminal control sequences or invalid UTF-8.
void print_line(const std::string& line) {
    std::printf("%s\n", terminal_text(line, false).c_str());
}

void print_node(const json& node, int depth, const std::map<std::string, json>& main) {
    const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
    const auto kind = node.value("kind", "");
    const auto name = node.value("name", "");
    if (kind == "group") {
        print_line(pad + (name == "/" ? "/" : name + "/") +
                   (node.contains("note") ? "  (" + node["note"].get<std::string>() + ")" : std::string()));
    } else if (kind == "dataset") {
        std::string line = fmt::format("{}{}  {} {}", pad, name, node.value("dtype", "?"),
                                       shape_text(node.value("shape", json::array())));
        if (auto it = main.find(node.value("path", "")); it != main.end()) {
            const auto& m = it->second;
            line += m.contains("error") ? "  [h5USID Main, unusable: " + m["error"].get<std::string>() + "]"
                                        : fmt::format("  [h5USID Main: P = {}, N = {}]", json_text(m["rows"]),
                                                      json_text(m["points"]));
        }
        print_line(line);
    } else if (kind.ends_with("_link")) {
        print_line(fmt::format("{}{} -> {}  ({})", pad, name, node.value("target", "?"), kind));
    } else {
        print_line(fmt::format("{}{}  ({})", pad, name, kind));
    }
    if (node.contains("error"))
        print_line(fmt::format("{}  (unreadable: {})", pad, json_text(node["error"])));
    for (const auto& a : node.value("attributes", json::array())) {
        std::string line =
            fmt::format("{}  @{} = {}", pad, a.value("name", ""),
                        a.contains("error") ? "(unreadable)" : value_text(a.value("value", json())));
        if (a.value("truncated", false)) line += " …";
        line += fmt::format("  ({}, {})", a.value("dtype", "?"), shape_text(a.value("shape", json::array())));
        print_line(line);
    }
    for (const auto& c : node.value("children", json::array()))
        print_node(c, depth + 1, main);
}

void print_text(const json& doc) {
    print_line(fmt::format("{}  ({} bytes)", doc["file"].get<std::string>(), json_text(doc["size_bytes"])));
    std::map<std::string, json> main;
    for (const auto& m : doc["main_datasets"])
        main[m["path"].get<std::string>()] = m;
    print_node(doc["root"], 0, main);
    std::printf("\nh5USID Main datasets: %zu\n", main.size());
    for (const auto& [path, m] : main) {
        if (m.contains("error")) {
            std::printf("  %s: %s\n", terminal_text(path).c_str(),
                        terminal_text(m["error"].get<std::string>()).c_str());
            continue;
        }
        const auto rate = m["sample_rate_hz"].is_null()
                              ? std::string("sample rate unknown (give sample_rate_hz in the recipe)")
                              : fmt::format("sample rate {} Hz from {}", m["sample_rate_hz"].get<double>(),
                                            m["sample_rate_origin"].get<std::string>());
        std::printf("  %s  %s, P = %s positions x N = %s points, %s [%s]; %s\n", terminal_text(path).c_str(),
                    m["dtype"].get<std::string>().c_str(), json_text(m["rows"]).c_str(),
                    json_text(m["points"]).c_str(), terminal_text(m["quantity"].get<std::string>()).c_str(),
                    terminal_text(m["units"].get<std::string>()).c_str(), rate.c_str());
        if (m.contains("not_filterable"))
            std::printf("    not filterable: %s\n", m["not_filterable"].get<std::string>().c_str());
    }
}

} // namespace

Status run_inspect(const InspectOptions& options) {
    std::error_code ec;
    // A file named on the command line that is not there is the user's mistake (exit 2), not an I/O fault.
    if (!fs::exists(options.file, ec))
        return fail(ErrorKind::bad_input, fmt::format("{} does not exist", options.file.string()));
    auto file = h5::open_file(options.file, h5::Access::read_only);
    if (!file) return propagate(file);
    json doc{{"file", fs::absolute(options.file, ec).lexically_normal().string()},
             {"size_bytes", fs::file_size(options.file, ec)}};
    Walker walker{file->get(), {}};
    json root = walker.group("/", "/");
    doc["main_datasets"] = main_datasets(file->get());
    std::set<std::string> main;
    for (const auto& m : doc["main_datasets"])
        main.insert(m["path"].get<std::string>());
    mark_main(root, main);
    doc["root"] = std::move(root);
    if (options.json)
        std::printf("%s\n", json_text(doc, 2).c_str());
    else
        print_text(doc);
    return {};
}

} // namespace sluice::engine
