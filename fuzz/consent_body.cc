// Fuzzes the cookie-consent body of POST /api/v1/consent
// (privacy::ParseChoiceBody), and the remembered-choice text the same choices
// are kept in (privacy::DecodeChoices, the start of the yz_consent cookie).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "privacy/visitor_consent.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto parsed = yz::privacy::ParseChoiceBody(body); parsed.ok()) {
    // What is recorded must read back as what was chosen.
    auto round = yz::privacy::DecodeChoices(yz::privacy::EncodeChoices(parsed->choices));
    if (!round || !(*round == parsed->choices)) std::abort();
  }
  if (auto c = yz::privacy::DecodeChoices(body); c) {
    if (yz::privacy::EncodeChoices(*c) != body) std::abort();
  }
  return 0;
}
