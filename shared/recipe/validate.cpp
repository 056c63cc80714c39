#include "recipe/recipe.hpp"
