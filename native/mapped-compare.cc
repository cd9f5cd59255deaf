// Comparing two ranges of host files without copying them: both are mapped read-only from the page
// cache and compared with memcmp. `compare` of two raw images otherwise copies every byte of both
// into JavaScript buffers first (2 GiB of copies for two 1 GiB files).
#include <sys/mman.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <thread>

#include "mapped-compare.h"
#include "napi-args.h"

namespace {

const int64_t PAGE = 4096;
const size_t SPLIT = 1 << 20;

struct Mapping {
  void* base = MAP_FAILED;
  size_t len = 0;
  const unsigned char* at = nullptr;
  bool map(int fd, int64_t off, size_t n) {
    const int64_t start = off & ~(PAGE - 1);
    len = (size_t)(off - start) + n;
    base = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, start);
    if (base == MAP_FAILED) return false;
    madvise(base, len, MADV_SEQUENTIAL);
    at = static_cast<const unsigned char*>(base) + (off - start);
    return true;
  }
  ~Mapping() {
    if (base != MAP_FAILED) munmap(base, len);
  }
};

// mappedEqual(fdA, offsetA, fdB, offsetB, length): true when the ranges hold the same bytes, false
// when they differ; throws (code = errno name) when a file cannot be mapped, so the caller reads instead.
// The caller keeps the ranges inside both files (a mapping past the end would fault).
napi_value MappedEqual(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int64_t a[5];
  if (!args_i64(env, info, 5, argv, a)) return nullptr;
  if (a[1] < 0 || a[3] < 0 || a[4] < 0) {
    napi_throw_range_error(env, nullptr, "mappedEqual: negative offset or length");
    return nullptr;
  }
  bool same = true;
  if (a[4] > 0) {
    Mapping x, y;
    if (!x.map((int)a[0], a[1], (size_t)a[4])) return throw_errno(env, "mmap", errno);
    if (!y.map((int)a[2], a[3], (size_t)a[4])) return throw_errno(env, "mmap", errno);
    const size_t n = (size_t)a[4];
    if (n < SPLIT) {
      same = memcmp(x.at, y.at, n) == 0;
    } else {
      // Two halves on two cores: the time goes into faulting the pages in, which parallelises.
      const size_t half = n / 2;
      bool second = true;
      std::thread t([&] { second = memcmp(x.at + half, y.at + half, n - half) == 0; });
      const bool first = memcmp(x.at, y.at, half) == 0;
      t.join();
      same = first && second;
    }
  }
  napi_value r;
  napi_get_boolean(env, same, &r);
  return r;
}

}  // namespace

void register_mapped_compare(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mappedEqual", nullptr, MappedEqual, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
