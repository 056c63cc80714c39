// Recipe parser (shared/recipe): any bytes give a recipe or an error, never a crash; an accepted recipe
// survives to_json → parse_recipe unchanged and can be checked against a dataset without crashing.
#include "recipe/recipe.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The last 6 bytes (when present) choose the dataset for stage 2; the rest is the recipe text.
    std::uint16_t n_bits = 0;
    std::uint32_t fs_bits = 0;
    if (size >= 6) {
        std::memcpy(&n_bits, data + size - 6, 2);
        std::memcpy(&fs_bits, data + size - 4, 4);
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto recipe = sluice::recipe::parse_recipe(text);
    if (!recipe) {
        if (recipe.error().message.empty()) std::abort(); // every refusal says why
        return 0;
    }
    const auto again = sluice::recipe::parse_recipe(sluice::recipe::to_json(*recipe));
    if (!again || !(*again == *recipe)) std::abort();
    if (sluice::recipe::canonical_json(*again) != sluice::recipe::canonical_json(*recipe)) std::abort();

    const std::size_t n = 2 + n_bits % 4096;
    const double fs = 1.0 + fs_bits % 10'000'000;
    auto rate = sluice::recipe::resolve_sample_rate(*recipe, fs);
    if (!rate) return 0;
    auto mask = sluice::recipe::validate_for_dataset(*recipe, n, *rate);
    if (mask && !mask->empty() && mask->size() != n / 2 + 1 && mask->size() != n) std::abort();
    return 0;
}
