#include "h5/h5_error.hpp"

#include <hdf5.h>
#include <vector>

namespace sluice::h5 {

void silence_error_printing() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {

herr_t collect(unsigned /*n*/, const H5E_error2_t* err, void* data) {
    auto* lines = static_cast<std::vector<std::string>*>(data);
    if (err->desc && *err->desc) lines->emplace_back(err->desc);
    return 0;
}

} // namespace

std::string take_error_stack() {
    std::vector<std::string> lines;
    // Innermost first: the deepest frame usually says what really went wrong ("truncated file", ...).
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &lines);
    H5Eclear2(H5E_DEFAULT);
    std::string out;
    std::string last;
    for (const auto& l : lines) {
        if (l == last) continue; // HDF5 repeats the same text on several frames
        if (!out.empty()) out += "; ";
        out += l;
        last = l;
    }
    return out;
}

Error h5_error(std::string_view what, ErrorKind kind) {
    std::string msg(what);
    const auto stack = take_error_stack();
    if (!stack.empty()) msg += " (HDF5: " + stack + ")";
    return Error{kind, std::move(msg)};
}

} // namespace sluice::h5
