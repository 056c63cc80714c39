#include "h5/h5_file.hpp"
