// Boost.JSON compiled once for the whole program (see TRAPS.md).
#include <boost/json/src.hpp>
