#pragma once
// `merge`: copy a standalone result's group into its source file atomically (DESIGN §5), giving exactly
// the in-place layout of FILTER_SPEC §6.
#include "util/error.hpp"

#include <filesystem>
#include <string>

namespace sluice::h5 {

struct MergeOutcome {
    std::string group_path; ///< where the group landed in the source (renumbered if the name was taken)
};

/// Refused (ErrorKind::refused / bad_input, source untouched) when the result is incomplete, the source
/// is not the one the result was made from (SHA-256 when recorded, else size + modification time), or
/// space is short. Otherwise: temp copy of the source beside it, group copied and re-pointed, fsync,
/// rename over the source.
[[nodiscard]] Result<MergeOutcome> merge_result(const std::filesystem::path& result,
                                                const std::filesystem::path& into);

} // namespace sluice::h5
