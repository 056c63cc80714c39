#pragma once
// Size budgets: a file declares its shapes, and a crafted or damaged one can declare 2^40 rows while
// storing nothing. Everything allocated from a declared shape is checked here first, so the answer is a
// message with the numbers, never std::bad_alloc or the kernel's OOM killer.
#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

/// RAM of this machine in bytes (0 when it cannot be told).
[[nodiscard]] std::uint64_t physical_memory_bytes();

/// The most one buffer may take: half of the machine's RAM, so that the rest of the program (and the
/// other ranks on the node) still fit.
[[nodiscard]] std::uint64_t single_buffer_limit();

/// "512 GiB", "1.5 MiB", "800 bytes".
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);
/// Digits in groups of three separated by spaces: "68 719 476 736".
[[nodiscard]] std::string grouped(std::uint64_t n);

/// bad_input unless `count` values of `bytes_each` bytes fit in `limit` (default single_buffer_limit()).
/// Overflow-safe. The message names `what`, e.g. "a row of 68 719 476 736 points needs 512 GiB; this
/// machine has 24 GiB".
[[nodiscard]] Status check_memory(std::string_view what, std::uint64_t count, std::uint64_t bytes_each,
                                  std::optional<std::uint64_t> limit = std::nullopt);

} // namespace sluice
