#include "cli/server_routes.h"

#include <string>

#include "crypto/secret_key.h"

namespace yz::cli {

ServerRoutes::ServerRoutes(store::Database& db, PrivacyStack& privacy,
                           collect::Protector& protector, collect::Pipeline& pipeline)
    : outbox_(db, *privacy.gate, UnixNow),
      notices_(db, UnixNow),
      accounts_(db, *privacy.gate, *privacy.consents, outbox_, {}, UnixNow),
      devices_(db, *privacy.gate, *privacy.consents, *privacy.inventory,
               crypto::SecretKey::Random(), std::to_string(privacy.notice_version), UnixNow),
      app_{db,
           metrics_,
           notices_,
           *privacy.gate,
           *privacy.consents,
           accounts_,
           std::to_string(privacy.notice_version),
           &devices_,
           &protector,
           &pipeline},
      router_(web::BuildRoutes(app_)) {}

}  // namespace yz::cli
