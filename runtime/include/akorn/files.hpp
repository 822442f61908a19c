// Files: existence, directories, and atomic writes (a temporary file, flushed to disk, then
// renamed over the target) so an interrupted write never leaves a half-written file under
// the final name. Weights, checkpoints, logs and .npy dumps all go through here.
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
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

inline void write_file_atomic(const std::string& path, const void* data, size_t n) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  AKORN_CHECK(f != nullptr, tmp + ": cannot write");
  bool ok = std::fwrite(data, 1, n, f) == n;
  ok = std::fflush(f) == 0 && ok;
  ok = fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) std::remove(tmp.c_str());
  AKORN_CHECK(ok, tmp + ": write failed (disk full?)");
  AKORN_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, path + ": cannot replace it with " + tmp);
}

}  // namespace akorn
