#pragma once
// BrowseFile: one HDF5 file opened read-only for looking at, and the desktop app's only way into HDF5
// (DESIGN §8). It describes groups and attributes, reads bounded pages of any dataset's values, per-row
// RMS in blocks, a result's noise floors and the recipe a results group was made with. Nothing here
// names an HDF5 type, so the GUI never includes hdf5.h (or, through it, mpi.h). Like all HDF5 use, one
// BrowseFile is used from one thread at a time.
#include "h5/main_dataset.hpp"
#include "recipe/recipe.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace sluice::h5 {

enum class EntryKind { group, dataset, named_type, soft_link, external_link, other };

/// One member of a group, described without following links.
struct Entry {
    std::string name;
    std::string path; ///< full path of the link ("/Measurement_000/Channel_000")
    EntryKind kind = EntryKind::other;
    std::vector<std::uint64_t> shape; ///< datasets only; empty for scalars
    std::string dtype;                ///< datasets only: numpy-style ("float32", "string", "compound")
    std::string link_target;          ///< soft and external links
    bool filter_result = false;       ///< a group with tool = FFT_Filtering (FILTER_SPEC §6)
};

struct AttributeEntry {
    std::string name;
    std::string type;  ///< "float64", "string", "reference", ...
    std::string shape; ///< "scalar" or "(3,)"
    std::string value; ///< human-readable; long arrays are shortened
};

/// "(12, 2048)" / "(5,)" / "scalar".
[[nodiscard]] std::string shape_text(const std::vector<std::uint64_t>& shape);

/// A page of values is bounded whatever the dataset declares: at most this many values and bytes.
inline constexpr std::uint64_t max_page_values = std::uint64_t{1} << 20;
inline constexpr std::uint64_t max_page_bytes = std::uint64_t{64} << 20;

/// Which part of a dataset to read. Values are seen as a table: a scalar is 1 × 1, a 1-D dataset one
/// column, a 2-D one rows × columns; of a dataset with more dimensions, the 2-D slice of its last two
/// at the indices `leading` gives for the others (missing ones are 0).
struct PageRequest {
    std::vector<std::uint64_t> leading = {};
    std::uint64_t first_row = 0;
    std::uint64_t first_column = 0;
    std::uint64_t max_rows = max_page_values;
    std::uint64_t max_columns = 4096;
};

/// Values as read: floats stay float (so that their shortest text is exact), integers keep all 64
/// bits, strings are text.
using PageValues = std::variant<std::vector<float>, std::vector<double>, std::vector<std::int64_t>,
                                std::vector<std::uint64_t>, std::vector<std::string>>;

struct ValuesPage {
    std::vector<std::uint64_t> shape;   ///< the whole dataset's
    std::string dtype;                  ///< numpy-style
    std::vector<std::uint64_t> leading; ///< the indices of the dimensions before the last two
    std::uint64_t total_rows = 1, total_columns = 1;
    std::uint64_t first_row = 0, first_column = 0;
    std::uint64_t rows = 0, columns = 0; ///< of this page
    PageValues values;                   ///< rows × columns, row-major
    [[nodiscard]] bool numeric() const { return !std::holds_alternative<std::vector<std::string>>(values); }
    /// The value at (row, column) of the page as a double (numeric pages).
    [[nodiscard]] double number(std::uint64_t row, std::uint64_t column) const;
    /// The value at (row, column) as exact text: shortest round-trip form for floats.
    [[nodiscard]] std::string text(std::uint64_t row, std::uint64_t column) const;
};

/// The recipe a results group was made with.
struct ResultRecipe {
    recipe::FilterRecipe recipe;
    bool from_sluice = false; ///< read from sluice_recipe; otherwise rebuilt from pycroscopy's attributes
    std::string note;         ///< empty, or why the rebuilt recipe may differ from the run's
};

/// A standalone result file's one results group (DESIGN §5).
struct StandaloneResult {
    std::string group;
    std::string source_dataset; ///< the dataset of the source it was made from
    std::string recipe_json;    ///< canonical JSON of its recipe
    std::uint64_t rows = 0, points = 0;
    bool has_noise_floors = false;
};

class BrowseFile {
public:
    /// Open read-only; the errors say what is wrong with the file (not HDF5, truncated, locked).
    [[nodiscard]] static Result<BrowseFile> open(const std::filesystem::path& path);
    BrowseFile(BrowseFile&&) noexcept;
    BrowseFile& operator=(BrowseFile&&) noexcept;
    ~BrowseFile();

    [[nodiscard]] const std::filesystem::path& path() const;

    /// h5USID Main datasets, in name order.
    [[nodiscard]] std::vector<std::string> main_datasets() const;
    /// Members of a group, in name order; links are described, not followed.
    [[nodiscard]] Result<std::vector<Entry>> list_group(const std::string& group) const;
    /// Attributes of any object, in name order.
    [[nodiscard]] Result<std::vector<AttributeEntry>> attributes(const std::string& path) const;
    [[nodiscard]] bool exists(const std::string& path) const;

    /// The Main dataset at `path` with every h5USID rule checked (DESIGN §4b).
    [[nodiscard]] Result<MainDataset> main_dataset(const std::string& path) const;
    /// The extent of a dataset.
    [[nodiscard]] Result<std::vector<std::uint64_t>> shape(const std::string& dataset) const;
    /// Rows [first, first+count) of a 2-D numeric dataset as doubles (count × columns values).
    [[nodiscard]] Status read_rows(const std::string& dataset, std::uint64_t first, std::uint64_t count,
                                   std::span<double> out);
    /// A page of any dataset's values, within max_page_values and max_page_bytes; datasets whose values
    /// cannot be shown (compound, references, ...) give bad_input saying so.
    [[nodiscard]] Result<ValuesPage> read_page(const std::string& dataset, const PageRequest& request);
    /// sqrt(mean(x²)) of rows [first, first+count) of a 2-D numeric dataset, one value per row.
    [[nodiscard]] Result<std::vector<double>> row_rms(const std::string& dataset, std::uint64_t first,
                                                      std::uint64_t count);
    /// The stored Noise_Floors of a results group, one per row.
    [[nodiscard]] Result<std::vector<double>> noise_floors(const std::string& group);
    /// The recipe the results group at `group` was made with (sluice_recipe, or rebuilt from the
    /// pycroscopy attributes, FILTER_SPEC §6).
    [[nodiscard]] Result<ResultRecipe> result_recipe(const std::string& group) const;
    /// The results group of a standalone result file and what it says about itself.
    [[nodiscard]] Result<StandaloneResult> standalone_result() const;

private:
    struct Impl;
    explicit BrowseFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Rows per block for reading `columns` values a row within `bytes` (at least 1).
[[nodiscard]] std::uint64_t rows_per_block(std::uint64_t columns, std::uint64_t bytes);

} // namespace sluice::h5
