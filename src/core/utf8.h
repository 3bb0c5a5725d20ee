// UTF-8 text checks shared by the layers that take text from users.
// Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace yz {

// The number of code points in `s`, or nullopt if it is not valid UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing past U+10FFFF).
std::optional<std::size_t> CountCodePoints(std::string_view s);

}  // namespace yz
