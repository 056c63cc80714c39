#include "commands.hpp"

namespace sluice::engine {

int exit_code_for(const Error& e) {
    switch (e.kind) {
    case ErrorKind::bad_input:
    case ErrorKind::refused:
        return 2;
    case ErrorKind::cancelled:
        return 3;
    case ErrorKind::io:
    case ErrorKind::internal:
        return 1;
    }
    return 1;
}

} // namespace sluice::engine
