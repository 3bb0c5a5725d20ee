#include "crypto/blind_index.h"

#include <sodium.h>

#include <cstdlib>

#include "core/ascii.h"

namespace yz::crypto {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "yzblind_";
static_assert(sizeof(kKdfContext) - 1 == crypto_kdf_CONTEXTBYTES);
static_assert(crypto_generichash_KEYBYTES == SecretKey::kSize);
constexpr BlindKind kKinds[] = {BlindKind::kPhone, BlindKind::kEmail, BlindKind::kImei,
                                BlindKind::kMac};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsHex(char c) { return IsDigit(c) || (AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f'); }
bool IsOneOf(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

bool IsCnMobile(std::string_view d) { return d.size() == 11 && d[0] == '1'; }

Result<std::string> NormalizePhone(std::string_view in) {
  std::string d;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (IsDigit(c)) {
      d.push_back(c);
    } else if (!IsOneOf(c, " \t-.()+")) {
      return InvalidArgument("phone number contains a character that is not a digit");
    }
  }
  if (d.empty()) return InvalidArgument("phone number has no digits");
  std::string_view v = d;
  if (v.starts_with("0086") && IsCnMobile(v.substr(4))) return std::string(v.substr(4));
  if (v.starts_with("86") && IsCnMobile(v.substr(2))) return std::string(v.substr(2));
  return d;
}

Result<std::string> NormalizeEmail(std::string_view in) {
  while (!in.empty() && IsSpace(in.front())) in.remove_prefix(1);
  while (!in.empty() && IsSpace(in.back())) in.remove_suffix(1);
  std::string out;
  out.reserve(in.size());
  for (char c : in) out.push_back(AsciiLower(c));
  const std::size_t at = out.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == out.size() ||
      out.find('@', at + 1) != std::string::npos) {
    return InvalidArgument("e-mail address must be local@domain");
  }
  return out;
}

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int v = *it - '0';
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

Result<std::string> NormalizeImei(std::string_view in) {
  std::string d;
  for (char c : in) {
    if (IsDigit(c)) {
      d.push_back(c);
    } else if (!IsOneOf(c, " -/.")) {
      return InvalidArgument("IMEI contains a character that is not a digit");
    }
  }
  if (d.size() == 14) return d;
  if (d.size() == 15) {
    if (!LuhnValid(d)) return InvalidArgument("IMEI check digit is wrong");
    d.pop_back();
    return d;
  }
  return InvalidArgument("IMEI must have 14 or 15 digits, got " + std::to_string(d.size()));
}

Result<std::string> NormalizeMac(std::string_view in) {
  std::string d;
  for (char c : in) {
    if (IsHex(c)) {
      d.push_back(AsciiLower(c));
    } else if (!IsOneOf(c, ":-. ")) {
      return InvalidArgument("MAC address contains a character that is not a hex digit");
    }
  }
  if (d.size() != 12) {
    return InvalidArgument("MAC address must have 12 hex digits, got " + std::to_string(d.size()));
  }
  return d;
}

}  // namespace

Result<std::string> Normalize(BlindKind kind, std::string_view input) {
  switch (kind) {
    case BlindKind::kPhone:
      return NormalizePhone(input);
    case BlindKind::kEmail:
      return NormalizeEmail(input);
    case BlindKind::kImei:
      return NormalizeImei(input);
    case BlindKind::kMac:
      return NormalizeMac(input);
  }
  return InvalidArgument("unknown blind index kind");
}

BlindIndexer::BlindIndexer(const SecretKey& root) {
  keys_.reserve(std::size(kKinds));
  for (BlindKind kind : kKinds) {
    auto key = SecretKey::FillWith([&](std::span<std::uint8_t, SecretKey::kSize> out) {
      crypto_kdf_derive_from_key(out.data(), out.size(), static_cast<std::uint64_t>(kind),
                                 kKdfContext, root.data());
      return Status::Ok();
    });
    keys_.push_back(std::move(key).value());  // FillWith fails only if the lambda does
  }
}

const SecretKey& BlindIndexer::KeyFor(BlindKind kind) const {
  return keys_.at(static_cast<std::size_t>(kind) - 1);
}

Result<BlindIndexer::Index> BlindIndexer::Raw(BlindKind kind, std::string_view input) const {
  const auto k = static_cast<std::size_t>(kind);
  if (k < 1 || k > keys_.size()) return InvalidArgument("unknown blind index kind");
  ASSIGN_OR_RETURN(std::string normalized, Normalize(kind, input));
  Index out{};
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const unsigned char*>(normalized.data()), normalized.size(),
                     KeyFor(kind).data(), SecretKey::kSize);
  sodium_memzero(normalized.data(), normalized.size());
  return out;
}

Result<std::string> BlindIndexer::Hex(BlindKind kind, std::string_view input) const {
  ASSIGN_OR_RETURN(Index raw, Raw(kind, input));
  std::string out(2 * kSize + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), raw.data(), raw.size());
  out.resize(2 * kSize);
  return out;
}

}  // namespace yz::crypto
