#include "h5/attributes.hpp"
