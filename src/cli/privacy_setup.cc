#include "cli/privacy_setup.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "core/private_files.h"
#include "privacy/notice_versions.h"

namespace yz::cli {

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<PrivacyStack>> OpenPrivacyStack(const Config& config, store::Database& db,
                                                       std::function<std::int64_t()> now) {
  ASSIGN_OR_RETURN(privacy::Keys keys, privacy::OpenKeys(config, db));
  return OpenPrivacyStack(std::move(keys), db, std::move(now));
}

Result<std::unique_ptr<PrivacyStack>> OpenPrivacyStack(privacy::Keys keys, store::Database& db,
                                                       std::function<std::int64_t()> now) {
  privacy::NoticeVersions notices(db, now);
  ASSIGN_OR_RETURN(std::optional<privacy::NoticeVersion> latest, notices.Latest());
  if (!latest) {
    return FailedPrecondition(
        "no privacy notice is published yet (`yzcloud serve` publishes "
        "the first)");
  }
  const std::string name = "published notice version " + std::to_string(latest->number);
  ASSIGN_OR_RETURN(privacy::Inventory inventory,
                   privacy::Inventory::Parse(latest->inventory, name));
  // Keys has no empty state, hence the aggregate built in place.
  std::unique_ptr<PrivacyStack> stack(new PrivacyStack{std::move(keys), latest->number});
  stack->inventory = std::make_unique<privacy::Inventory>(std::move(inventory));
  stack->consents = std::make_unique<privacy::ConsentLedger>(db, now);
  stack->gate = std::make_unique<privacy::Gate>(db, *stack->keys.keystore, *stack->keys.blind,
                                                *stack->inventory, *stack->consents, now);
  return stack;
}

void WarnIfDataDirOpen(const Config& config) {
  for (const std::string& dir : {config.data_dir, config.KeyDir()}) {
    if (auto warning = OpenFolderWarning(dir)) spdlog::warn("{}", *warning);
  }
}

}  // namespace yz::cli
