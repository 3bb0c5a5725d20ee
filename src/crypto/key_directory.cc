#include "crypto/key_directory.h"

#include <string>
#include <system_error>

#include "core/private_files.h"

namespace yz::crypto {

Result<KeyDirectory> KeyDirectory::Open(std::filesystem::path dir) {
  // Exactly 0700 whatever the umask, parents included (the data directory is
  // usually the parent): nobody else may even list the key files.
  RETURN_IF_ERROR(CreatePrivateDirectories(dir));
  return KeyDirectory(std::move(dir));
}

std::filesystem::path KeyDirectory::MasterPath(int version) const {
  return dir_ / ("master-" + std::to_string(version) + ".key");
}

Result<SecretKey> KeyDirectory::Master(int version, bool create) const {
  if (version < 1) return InvalidArgument("master key versions start at 1");
  return create ? LoadOrCreateKeyFile(MasterPath(version)) : LoadKeyFile(MasterPath(version));
}

Keystore::MasterLoader KeyDirectory::Loader() const {
  return [dir = *this](int version, bool create) { return dir.Master(version, create); };
}

Result<SecretKey> KeyDirectory::BlindRoot() const {
  return LoadOrCreateKeyFile(dir_ / "blind.key");
}

Status KeyDirectory::RemoveMastersBelow(int version) const {
  for (int v = version - 1; v >= 1; --v) {
    std::error_code ec;
    std::filesystem::remove(MasterPath(v), ec);
    if (ec) return Unavailable("cannot remove " + MasterPath(v).string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace yz::crypto
