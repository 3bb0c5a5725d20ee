// Fuzzes the event bodies the collection endpoints read from anyone on the
// network: the Plausible tracker's POST /api/event body and the batch body of
// POST /api/v1/events (collect/event_input.h). Each input is given to both.
//
// Beyond "no crash, no sanitizer report", it checks the parsers' promises: an
// accepted event honours the documented bounds, and a batch holds 1..kMaxBatch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collect/event_input.h"

namespace {

void CheckEvent(const yz::collect::EventInput& e) {
  // The documented limits: name 1..120, url 1..2000, domain 1..253 bytes.
  if (e.name.empty() || e.name.size() > 120 || e.url.empty() || e.url.size() > 2000 ||
      e.site.empty() || e.site.size() > 253) {
    std::abort();
  }
  if (e.referrer && e.referrer->size() > 2000) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto e = yz::collect::ParsePlausibleEvent(body); e.ok()) CheckEvent(*e);
  if (auto batch = yz::collect::ParseEventBatch(body); batch.ok()) {
    if (batch->empty() || batch->size() > yz::collect::kMaxBatch) std::abort();
    for (const auto& e : *batch) CheckEvent(e);
  }
  (void)yz::collect::LooksPersonal(body);
  return 0;
}
