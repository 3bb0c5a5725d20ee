// Files and folders only this process's user may open: what yzcloud creates in its
// data directory (the databases and their -wal/-shm/-journal files, the key
// directory, the outbox) holds personal data or keys, so folders are made 0700 and
// files 0600 whatever the umask the process was started with.
//
// Thread-safety: free functions; safe from any thread (they touch only the paths
// given, and each creation is one atomic system call).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/status.h"

namespace yz {

// Creates `dir` and every missing parent with mode exactly 0700 (chmod after mkdir,
// so the umask does not matter). Folders that already exist keep their mode.
// FailedPrecondition if `dir` exists and is not a folder; Unavailable if it
// cannot be created.
Status CreatePrivateDirectories(const std::filesystem::path& dir);

// Creates `file` empty with mode exactly 0600 if it does not exist (O_EXCL, then
// fchmod), creating its folder as CreatePrivateDirectories does. A file that exists
// keeps its mode and content. Unavailable on I/O errors.
Status CreatePrivateFile(const std::filesystem::path& file);

// For a folder that exists and that group or others may enter or read: a warning
// naming it, its mode and the chmod that fixes it. nullopt if it is private or
// does not exist (yzcloud will create it 0700).
std::optional<std::string> OpenFolderWarning(const std::filesystem::path& dir);

}  // namespace yz
