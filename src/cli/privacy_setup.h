// The privacy stack a command needs to read personal data, built as `serve` builds
// it: the keys that go with the data database (privacy::OpenKeys), the inventory of
// the latest published notice (the gate enforces what the public notice declares),
// the consent ledger and the gate.
//
// Thread-safety: as the gate; the stack is built once and not moved (the gate holds
// references into it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/config.h"
#include "core/status.h"
#include "privacy/consent.h"
#include "privacy/gate.h"
#include "privacy/inventory.h"
#include "privacy/keys.h"
#include "store/database.h"

namespace yz::cli {

struct PrivacyStack {
  privacy::Keys keys;
  std::int64_t notice_version = 0;  // the published notice whose inventory is enforced
  std::unique_ptr<privacy::Inventory> inventory;
  std::unique_ptr<privacy::ConsentLedger> consents;
  std::unique_ptr<privacy::Gate> gate;  // declared last: destroyed first
};

// The current time in Unix seconds (the commands' clock).
std::int64_t UnixNow();

// Opens the stack over `db` (migrated, and outliving the stack). FailedPrecondition
// if no notice is published yet (`yzcloud serve` publishes the first); the keys',
// store's or inventory's error otherwise. Never publishes anything itself.
Result<std::unique_ptr<PrivacyStack>> OpenPrivacyStack(const Config& config, store::Database& db,
                                                       std::function<std::int64_t()> now);
// The same over keys opened already (privacy::OpenKeys(config, db)), for a command
// that checks the keys before it writes anything.
Result<std::unique_ptr<PrivacyStack>> OpenPrivacyStack(privacy::Keys keys, store::Database& db,
                                                       std::function<std::int64_t()> now);

// Logs a warning for the data directory and the key directory of `config` if they
// exist and group or others may open them (issue 15, defect 8). Call before
// anything creates them: yzcloud creates its folders 0700.
void WarnIfDataDirOpen(const Config& config);

}  // namespace yz::cli
