// Files: existence, directories, and atomic writes (a temporary file, flushed to disk, then
// renamed over the target) so an interrupted write never leaves a half-written file under
// the final name. Weights, checkpoints, logs and .npy dumps all go through here.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "common.hpp"

namespace akorn {

inline bool path_exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}

// mkdir -p
inline void make_dirs(const std::string& p) {
  std::string cur;
  for (size_t i = 0; i <= p.size(); ++i) {
    if ((i == p.size() || p[i] == '/') && !cur.empty() && !path_exists(cur))
      AKORN_CHECK(mkdir(cur.c_str(), 0755) == 0, cur + ": cannot create directory");
    if (i < p.size()) cur += p[i];
  }
}

// The file at `path` is the old one or the new one, never a mix, whenever the process dies
// (tests/task/kill_test.py kills training anywhere); a failed write (a full disk) leaves the
// old one and says why.
inline void write_file_atomic(const std::string& path, const void* data, size_t n) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  AKORN_CHECK(f != nullptr, tmp + ": cannot write (" + std::strerror(errno) + ")");
  int err = 0;
  errno = 0;
  const auto note = [&](bool ok) {
    if (!ok && err == 0) err = errno ? errno : EIO;
  };
  note(std::fwrite(data, 1, n, f) == n);
  note(std::fflush(f) == 0);
  note(fsync(fileno(f)) == 0);
  note(std::fclose(f) == 0);
  if (err != 0) std::remove(tmp.c_str());
  AKORN_CHECK(err == 0, tmp + ": write failed (" + std::strerror(err) + "; disk full?), " + path + " is unchanged");
  AKORN_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0,
              path + ": cannot replace it with " + tmp + " (" + std::strerror(errno) + ")");
  // the rename itself reaches the disk with the directory's entry
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

}  // namespace akorn
