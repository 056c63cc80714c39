// FilterRecipe <-> JSON (DESIGN §4a) and stage-1 validation: the recipe on its own, before any dataset
// is known. Every refusal names where it happened ("filters[0] (low_pass).roll_off") so that a user can
// fix a hand-written recipe without guessing.
#include "recipe/recipe.hpp"
#include "util/json_text.hpp"
#include "util/overloaded.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::recipe {

using signal::BandPass;
using signal::FilterSpec;
using signal::HarmonicPass;
using signal::LowPass;
using signal::NoiseBand;

namespace {

using Json = nlohmann::json;
using namespace std::string_view_literals;

std::unexpected<Error> bad(std::string message) {
    return fail(ErrorKind::bad_input, std::move(message));
}

std::unexpected<Error> bad(std::string message, Field field) {
    return fail(ErrorKind::bad_input, std::move(message), std::move(field));
}

constexpr std::string_view nothing_to_do =
    "nothing to do: the recipe has neither filters nor a noise_threshold";

constexpr std::array top_keys = {"format"sv, "version"sv, "sample_rate_hz"sv, "filters"sv,
                                 "noise_threshold"sv};

// One JSON object being read; `where` names it in messages and is empty at the top level, where
// `filter` is absent too.
struct Obj {
    const Json& json;
    std::string where;
    std::optional<std::size_t> filter;

    [[nodiscard]] Field field(std::string_view key, std::optional<std::size_t> element = {}) const {
        return Field{filter, std::string(key), element};
    }

    [[nodiscard]] std::string name(std::string_view key) const {
        return where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
    }
    [[nodiscard]] std::string_view label() const {
        return where.empty() ? "recipe"sv : std::string_view(where);
    }

    [[nodiscard]] const Json* find(std::string_view key) const {
        const auto it = json.find(std::string(key));
        return it == json.end() ? nullptr : &*it;
    }
    [[nodiscard]] Result<const Json*> require(std::string_view key) const {
        if (const Json* v = find(key)) return v;
        return bad(fmt::format("{}: missing key '{}'", label(), key), field(key));
    }
    [[nodiscard]] Status only_keys(std::span<const std::string_view> allowed) const {
        for (auto it = json.begin(); it != json.end(); ++it) {
            if (std::ranges::find(allowed, std::string_view(it.key())) == allowed.end())
                return bad(fmt::format("{}: unknown key '{}' (expected one of: {})", label(), it.key(),
                                       fmt::join(allowed, ", ")),
                           field(it.key()));
        }
        return {};
    }
};

// The value rules below are shared by the JSON reader and recipe_problems, so that both say the same.
Status check_finite(double x, const std::string& name, const Field& field) {
    if (!std::isfinite(x)) return bad(fmt::format("{} must be a finite number, got {}", name, x), field);
    return {};
}

enum class Bound { any, non_negative, positive };

Status check_bound(double x, const std::string& name, Bound bound, const Field& field) {
    if (auto ok = check_finite(x, name, field); !ok) return ok;
    if (bound == Bound::positive && !(x > 0)) return bad(fmt::format("{} = {} must be > 0", name, x), field);
    if (bound == Bound::non_negative && !(x >= 0))
        return bad(fmt::format("{} = {} must be >= 0", name, x), field);
    return {};
}

Status check_threshold(double t) {
    if (auto ok = check_finite(t, "noise_threshold", Field{{}, "noise_threshold", {}}); !ok) return ok;
    if (!(t > 0 && t < 1))
        return bad(
            fmt::format("noise_threshold = {} must be strictly between 0 and 1 (null or absent: none)", t),
            Field{{}, "noise_threshold", {}});
    return {};
}

Status check_harmonics(double count, const std::string& name, const Field& field) {
    if (count < 1) return bad(fmt::format("{} = {} must be >= 1", name, count), field);
    return {};
}

Status check_bands(std::size_t freqs, std::size_t widths, const std::string& where, std::size_t filter) {
    if (freqs > max_noise_bands)
        return bad(fmt::format("{}: {} bands, at most {} fit (the result records them as HDF5 attributes, "
                               "which are limited to 64 KiB)",
                               where, freqs, max_noise_bands),
                   Field{filter, "freqs_hz", {}});
    if (freqs != widths)
        return bad(fmt::format("{}: freqs_hz has {} values but widths_hz has {}; they pair up one to one",
                               where, freqs, widths),
                   Field{filter, "widths_hz", {}});
    return {};
}

Result<double> bounded(const Json& v, const std::string& name, Bound bound, const Field& field) {
    if (!v.is_number()) return bad(fmt::format("{} must be a number, got {}", name, v.type_name()), field);
    const double x = v.get<double>();
    if (auto ok = check_bound(x, name, bound, field); !ok) return propagate(ok);
    return x == 0 ? 0.0 : x; // -0 would give the same masks but another canonical form and hash
}

Result<double> number(const Json& v, const std::string& name, const Field& field) {
    return bounded(v, name, Bound::any, field);
}

Result<double> required(const Obj& o, std::string_view key, Bound bound) {
    auto v = o.require(key);
    if (!v) return propagate(v);
    return bounded(**v, o.name(key), bound, o.field(key));
}

Result<std::vector<double>> number_list(const Obj& o, std::string_view key) {
    auto v = o.require(key);
    if (!v) return propagate(v);
    const Json& list = **v;
    const std::string name = o.name(key);
    if (!list.is_array())
        return bad(fmt::format("{} must be an array of numbers, got {}", name, list.type_name()),
                   o.field(key));
    if (list.empty()) return bad(fmt::format("{} must not be empty", name), o.field(key));
    std::vector<double> out;
    out.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto x = bounded(list[i], fmt::format("{}[{}]", name, i), Bound::non_negative, o.field(key, i));
        if (!x) return propagate(x);
        out.push_back(*x);
    }
    return out;
}

Result<FilterSpec> read_low_pass(const Obj& o) {
    LowPass f;
    auto cutoff = required(o, "cutoff_hz", Bound::positive);
    if (!cutoff) return propagate(cutoff);
    f.cutoff_hz = *cutoff;
    if (const Json* v = o.find("roll_off")) {
        auto roll_off = bounded(*v, o.name("roll_off"), Bound::non_negative, o.field("roll_off"));
        if (!roll_off) return propagate(roll_off);
        f.roll_off = *roll_off;
    }
    return f;
}

Result<FilterSpec> read_noise_band(const Obj& o) {
    NoiseBand f;
    auto freqs = number_list(o, "freqs_hz");
    if (!freqs) return propagate(freqs);
    auto widths = number_list(o, "widths_hz");
    if (!widths) return propagate(widths);
    if (auto ok = check_bands(freqs->size(), widths->size(), o.where, *o.filter); !ok) return propagate(ok);
    f.freqs_hz = std::move(*freqs);
    f.widths_hz = std::move(*widths);
    return f;
}

Result<FilterSpec> read_harmonic_pass(const Obj& o) {
    HarmonicPass f;
    auto first = required(o, "first_hz", Bound::positive);
    if (!first) return propagate(first);
    auto width = required(o, "band_width_hz", Bound::non_negative);
    if (!width) return propagate(width);
    auto count_json = o.require("num_harmonics");
    if (!count_json) return propagate(count_json);
    const std::string name = o.name("num_harmonics");
    const Field field = o.field("num_harmonics");
    auto count = number(**count_json, name, field);
    if (!count) return propagate(count);
    // Integral doubles (3.0) are accepted: some tools write every number as a float.
    if (std::trunc(*count) != *count)
        return bad(fmt::format("{} must be a whole number, got {}", name, *count), field);
    if (auto ok = check_harmonics(*count, name, field); !ok) return propagate(ok);
    if (*count >= 0x1p63) return bad(fmt::format("{} = {} is too large", name, *count), field);
    f.first_hz = *first;
    f.band_width_hz = *width;
    f.num_harmonics = static_cast<std::int64_t>(*count);
    return f;
}

Result<FilterSpec> read_band_pass(const Obj& o) {
    BandPass f;
    auto center = required(o, "center_hz", Bound::positive);
    if (!center) return propagate(center);
    auto width = required(o, "width_hz", Bound::non_negative);
    if (!width) return propagate(width);
    f.center_hz = *center;
    f.width_hz = *width;
    return f;
}

constexpr std::array low_pass_keys = {"type"sv, "cutoff_hz"sv, "roll_off"sv};
constexpr std::array noise_band_keys = {"type"sv, "freqs_hz"sv, "widths_hz"sv};
constexpr std::array harmonic_pass_keys = {"type"sv, "first_hz"sv, "band_width_hz"sv, "num_harmonics"sv};
constexpr std::array band_pass_keys = {"type"sv, "center_hz"sv, "width_hz"sv};

struct FilterKind {
    std::string_view type;
    std::span<const std::string_view> keys;
    Result<FilterSpec> (*read)(const Obj&);
};

// In FilterSpec's alternative order, so that kinds[spec.index()] describes spec.
constexpr std::array<FilterKind, std::variant_size_v<FilterSpec>> kinds = {{
    {"low_pass", low_pass_keys, read_low_pass},
    {"noise_band", noise_band_keys, read_noise_band},
    {"harmonic_pass", harmonic_pass_keys, read_harmonic_pass},
    {"band_pass", band_pass_keys, read_band_pass},
}};

std::string filter_where(std::size_t index, std::string_view type) {
    return fmt::format("filters[{}] ({})", index, type);
}

std::string valid_types() {
    std::string out;
    for (const auto& k : kinds)
        out += (out.empty() ? "" : ", ") + std::string(k.type);
    return out;
}

Result<FilterSpec> read_filter(const Json& v, std::size_t index) {
    const std::string where = fmt::format("filters[{}]", index);
    const Field type_field{index, "type", {}};
    if (!v.is_object())
        return bad(fmt::format("{} must be an object, got {}", where, v.type_name()), Field{index, {}, {}});
    const auto type = v.find("type");
    if (type == v.end())
        return bad(fmt::format("{}: missing key 'type' (one of: {})", where, valid_types()), type_field);
    if (!type->is_string())
        return bad(fmt::format("{}.type must be a string, got {}", where, type->type_name()), type_field);
    const auto& name = type->get_ref<const std::string&>();
    const auto kind = std::ranges::find(kinds, std::string_view(name), &FilterKind::type);
    if (kind == kinds.end())
        return bad(fmt::format("{}: unknown type '{}' (valid types: {})", where, name, valid_types()),
                   type_field);
    const Obj o{v, filter_where(index, kind->type), index};
    if (auto ok = o.only_keys(kind->keys); !ok) return propagate(ok);
    return kind->read(o);
}

Result<std::vector<FilterSpec>> read_filters(const Json& v) {
    if (!v.is_array())
        return bad(fmt::format("filters must be an array of filters, got {}", v.type_name()),
                   Field{{}, "filters", {}});
    // pycroscopy fails on an empty list with an IndexError; say what the user meant instead.
    if (v.empty())
        return bad("\"filters\": [] has no filters: omit the key to run with the noise_threshold alone",
                   Field{{}, "filters", {}});
    std::vector<FilterSpec> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        auto f = read_filter(v[i], i);
        if (!f) return propagate(f);
        out.push_back(std::move(*f));
    }
    return out;
}

Status check_header(const Obj& top) {
    const Json* format = top.find("format");
    if (!format)
        return bad(fmt::format("not a Sluice recipe: the key \"format\": \"{}\" is missing", recipe_format));
    if (!format->is_string() || format->get_ref<const std::string&>() != recipe_format)
        return bad(fmt::format("not a Sluice recipe: \"format\" is {}, expected \"{}\"",
                               format->is_string() ? format->dump() : format->type_name(), recipe_format));
    const Json* version = top.find("version");
    if (!version)
        return bad(fmt::format("recipe \"version\" is missing (this Sluice reads {})", recipe_version));
    if (!version->is_number())
        return bad(fmt::format("recipe \"version\" must be a number, got {}", version->type_name()));
    if (version->get<double>() != recipe_version)
        return bad(fmt::format("unsupported recipe version {} (this Sluice reads version {})",
                               version->get<double>(), recipe_version));
    return {};
}

// nlohmann keeps the last of duplicated keys silently; a recipe that says two things is refused instead.
Result<Json> parse_json(std::string_view text) {
    std::vector<std::set<std::string>> open_objects;
    std::optional<std::string> duplicate;
    const Json::parser_callback_t track = [&](int, Json::parse_event_t event, Json& parsed) {
        if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
        if (event == Json::parse_event_t::object_end) open_objects.pop_back();
        if (event == Json::parse_event_t::key &&
            !open_objects.back().insert(parsed.get<std::string>()).second && !duplicate)
            duplicate = parsed.get<std::string>();
        return true;
    };
    Json j;
    try {
        j = Json::parse(text.begin(), text.end(), track);
    } catch (const Json::exception& e) {
        // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep its line and column.
        std::string_view what = e.what();
        if (const auto tag_end = what.find("] "); what.starts_with('[') && tag_end != what.npos)
            what.remove_prefix(tag_end + 2);
        return bad(fmt::format("invalid JSON: {}", what));
    }
    if (duplicate)
        return bad(fmt::format("duplicate key '{}': each key may appear only once per object", *duplicate));
    return j;
}

// One builder for both outputs: ordered_json keeps this insertion order, json sorts the keys.
template <class J>
J filter_json(const FilterSpec& spec) {
    J j;
    j["type"] = std::string(kinds[spec.index()].type);
    std::visit(overloaded{
                   [&](const LowPass& f) {
                       j["cutoff_hz"] = f.cutoff_hz;
                       j["roll_off"] = f.roll_off;
                   },
                   [&](const NoiseBand& f) {
                       j["freqs_hz"] = f.freqs_hz;
                       j["widths_hz"] = f.widths_hz;
                   },
                   [&](const HarmonicPass& f) {
                       j["first_hz"] = f.first_hz;
                       j["band_width_hz"] = f.band_width_hz;
                       j["num_harmonics"] = f.num_harmonics;
                   },
                   [&](const BandPass& f) {
                       j["center_hz"] = f.center_hz;
                       j["width_hz"] = f.width_hz;
                   },
               },
               spec);
    return j;
}

template <class J>
J recipe_json(const FilterRecipe& recipe) {
    J j;
    j["format"] = std::string(recipe_format);
    j["version"] = recipe_version;
    if (recipe.sample_rate_hz) j["sample_rate_hz"] = *recipe.sample_rate_hz;
    if (!recipe.filters.empty()) {
        J list = J::array();
        for (const auto& f : recipe.filters)
            list.push_back(filter_json<J>(f));
        j["filters"] = std::move(list);
    }
    if (recipe.noise_threshold) j["noise_threshold"] = *recipe.noise_threshold;
    return j;
}

} // namespace

Result<FilterRecipe> parse_recipe(std::string_view text) {
    auto parsed = parse_json(text);
    if (!parsed) return propagate(parsed);
    const Json& root = *parsed;
    if (!root.is_object())
        return bad(fmt::format("a recipe must be a JSON object, got {}", root.type_name()));
    const Obj top{root, "", std::nullopt};
    if (auto ok = check_header(top); !ok) return propagate(ok);
    if (auto ok = top.only_keys(top_keys); !ok) return propagate(ok);

    FilterRecipe recipe;
    if (const Json* v = top.find("sample_rate_hz")) {
        auto fs = bounded(*v, "sample_rate_hz", Bound::positive, Field{{}, "sample_rate_hz", {}});
        if (!fs) return propagate(fs);
        recipe.sample_rate_hz = *fs;
    }
    if (const Json* v = top.find("filters")) {
        auto filters = read_filters(*v);
        if (!filters) return propagate(filters);
        recipe.filters = std::move(*filters);
    }
    if (const Json* v = top.find("noise_threshold"); v && !v->is_null()) {
        auto t = number(*v, "noise_threshold", Field{{}, "noise_threshold", {}});
        if (!t) return propagate(t);
        if (auto ok = check_threshold(*t); !ok) return propagate(ok);
        recipe.noise_threshold = *t;
    }
    if (recipe.filters.empty() && !recipe.noise_threshold) return bad(std::string(nothing_to_do));
    return recipe;
}

namespace {

// The checks of read_* above on a recipe that is already numbers (the designer's), collecting every one.
void filter_problems(const FilterSpec& spec, std::size_t i, std::vector<Error>& out) {
    const std::string where = filter_where(i, signal::filter_type_name(spec));
    const auto check = [&](double x, std::string_view key, Bound bound,
                           std::optional<std::size_t> element = {}) {
        const std::string name =
            element ? fmt::format("{}.{}[{}]", where, key, *element) : fmt::format("{}.{}", where, key);
        if (auto ok = check_bound(x, name, bound, Field{i, std::string(key), element}); !ok)
            out.push_back(ok.error());
    };
    std::visit(overloaded{
                   [&](const LowPass& f) {
                       check(f.cutoff_hz, "cutoff_hz", Bound::positive);
                       check(f.roll_off, "roll_off", Bound::non_negative);
                   },
                   [&](const NoiseBand& f) {
                       for (const auto& [key, list] :
                            {std::pair{"freqs_hz"sv, &f.freqs_hz}, std::pair{"widths_hz"sv, &f.widths_hz}}) {
                           if (list->empty())
                               out.push_back(Error{ErrorKind::bad_input,
                                                   fmt::format("{}.{} must not be empty", where, key),
                                                   Field{i, std::string(key), {}}});
                           for (std::size_t j = 0; j < list->size(); ++j)
                               check((*list)[j], key, Bound::non_negative, j);
                       }
                       if (f.freqs_hz.empty() || f.widths_hz.empty()) return;
                       if (auto ok = check_bands(f.freqs_hz.size(), f.widths_hz.size(), where, i); !ok)
                           out.push_back(ok.error());
                   },
                   [&](const HarmonicPass& f) {
                       check(f.first_hz, "first_hz", Bound::positive);
                       check(f.band_width_hz, "band_width_hz", Bound::non_negative);
                       const Field field{i, "num_harmonics", {}};
                       if (auto ok = check_harmonics(static_cast<double>(f.num_harmonics),
                                                     fmt::format("{}.num_harmonics", where), field);
                           !ok)
                           out.push_back(ok.error());
                   },
                   [&](const BandPass& f) {
                       check(f.center_hz, "center_hz", Bound::positive);
                       check(f.width_hz, "width_hz", Bound::non_negative);
                   },
               },
               spec);
}

} // namespace

std::vector<Error> recipe_problems(const FilterRecipe& recipe) {
    std::vector<Error> out;
    if (recipe.sample_rate_hz) {
        if (auto ok = check_bound(*recipe.sample_rate_hz, "sample_rate_hz", Bound::positive,
                                  Field{{}, "sample_rate_hz", {}});
            !ok)
            out.push_back(ok.error());
    }
    for (std::size_t i = 0; i < recipe.filters.size(); ++i)
        filter_problems(recipe.filters[i], i, out);
    if (recipe.noise_threshold)
        if (auto ok = check_threshold(*recipe.noise_threshold); !ok) out.push_back(ok.error());
    if (recipe.filters.empty() && !recipe.noise_threshold)
        out.push_back(Error{ErrorKind::bad_input, std::string(nothing_to_do)});
    return out;
}

std::string to_json(const FilterRecipe& recipe) {
    return json_text(recipe_json<nlohmann::ordered_json>(recipe), 2) + "\n";
}

std::string canonical_json(const FilterRecipe& recipe) {
    return json_text(recipe_json<Json>(recipe));
}

} // namespace sluice::recipe
