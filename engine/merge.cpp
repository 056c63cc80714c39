#include "h5/merge.hpp"

#include "commands.hpp"

#include <cstdio>

namespace sluice::engine {

Status run_merge(const MergeOptions& options) {
    auto outcome = h5::merge_result(options.result, options.into);
    if (!outcome) return propagate(outcome);
    std::printf("merged into %s as %s\n", options.into.string().c_str(), outcome->group_path.c_str());
    return {};
}

} // namespace sluice::engine
