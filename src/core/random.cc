#include "core/random.h"

#include <sodium.h>

#include <vector>

namespace yz {

bool InitRandom() { return sodium_init() >= 0; }

std::string RandomHex(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  randombytes_buf(bytes.data(), n);
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), n);
  out.resize(2 * n);
  return out;
}

}  // namespace yz
