#include "signal/composite.hpp"
