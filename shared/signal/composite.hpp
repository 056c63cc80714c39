#pragma once
// (composite_mask is declared in masks.hpp; this header exists so that one concept has one file.)
#include "signal/masks.hpp"
