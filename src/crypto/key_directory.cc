#include "crypto/key_directory.h"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
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

Result<SecretKey> KeyDirectory::BlindRoot() const { return Blind(/*create=*/true); }

Result<SecretKey> KeyDirectory::Blind(bool create) const {
  return create ? LoadOrCreateKeyFile(BlindPath()) : LoadKeyFile(BlindPath());
}

std::filesystem::path KeyDirectory::BlindPath() const { return dir_ / "blind.key"; }

std::string KeyFingerprint(const SecretKey& key) {
  // A keyed BLAKE2b of a constant under the key: a PRF output, so it reveals
  // nothing about the key, yet two different keys give different fingerprints.
  static constexpr std::string_view kLabel = "yzcloud key fingerprint v1";
  std::array<std::uint8_t, 16> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(kLabel.data()),
                     kLabel.size(), key.data(), key.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t b : out) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
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
