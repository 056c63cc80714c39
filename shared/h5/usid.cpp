#include "h5/usid.hpp"
