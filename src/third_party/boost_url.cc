// Boost.URL compiled once for the whole program (see TRAPS.md).
#include <boost/url/src.hpp>
