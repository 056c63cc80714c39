#include "signal/noise_floor.hpp"
