#include "core/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace yz {
namespace {

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

Status CreatePrivateDirectories(const std::filesystem::path& dir) {
  if (dir.empty()) return Status::Ok();
  // Walk up to the first folder that exists, then create the rest top-down, each
  // 0700: create_directories would leave the new parents at 0777 minus the umask.
  std::vector<std::filesystem::path> missing;
  std::filesystem::path p = dir;
  struct stat st {};
  while (!p.empty() && ::stat(p.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Unavailable("cannot inspect folder " + p.string() + ": " + std::strerror(errno));
    }
    missing.push_back(p);
    const std::filesystem::path parent = p.parent_path();
    if (parent == p) break;
    p = parent;
  }
  if (missing.empty() && !S_ISDIR(st.st_mode)) {
    return FailedPrecondition(dir.string() + " exists and is not a folder");
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    const bool made = ::mkdir(it->c_str(), 0700) == 0;
    if (!made && errno != EEXIST) {  // EEXIST: another process made it meanwhile
      return Unavailable("cannot create folder " + it->string() + ": " + std::strerror(errno));
    }
    if (made && ::chmod(it->c_str(), 0700) != 0) {
      return Unavailable("cannot set mode 0700 on " + it->string() + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

Status CreatePrivateFile(const std::filesystem::path& file) {
  if (file.has_parent_path()) RETURN_IF_ERROR(CreatePrivateDirectories(file.parent_path()));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();
    return Unavailable("cannot create " + file.string() + ": " + std::strerror(errno));
  }
  // open's mode is reduced by the umask only, but be exact whatever created it.
  const bool ok = ::fchmod(fd, 0600) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok)
    return Unavailable("cannot set mode 0600 on " + file.string() + ": " + std::strerror(err));
  return Status::Ok();
}

std::optional<std::string> OpenFolderWarning(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  if ((st.st_mode & 077) == 0) return std::nullopt;
  return "folder " + dir.string() + " has mode " + Octal(st.st_mode) +
         ": group or others can open it; it holds personal data and keys (chmod 700 " +
         dir.string() + ")";
}

}  // namespace yz
