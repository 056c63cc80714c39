#include "util/error.hpp"

namespace sluice {

Error Error::context(std::string_view what) const {
    std::string m(what);
    m += ": ";
    m += message;
    return Error{kind, std::move(m), field};
}

} // namespace sluice
