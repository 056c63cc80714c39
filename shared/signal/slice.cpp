#include "signal/slice.hpp"
