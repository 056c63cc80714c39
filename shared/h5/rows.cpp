#include "h5/rows.hpp"
