#include "signal/row_filter.hpp"
