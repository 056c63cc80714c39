#include "signal/masks.hpp"
