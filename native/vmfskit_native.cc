// The OS calls Node lacks: block device size, SEEK_DATA/SEEK_HOLE, posix_fadvise
// (and, from xxh64.cc, an XXH64 that hashes a Buffer in place).
// Plain N-API (C), no node-addon-api dependency.
#include <node_api.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include "napi-args.h"
#include "xxh64.h"
#include "direct-io.h"
#include "zero-scan.h"
#include "kernel_copy.h"
#include "mapped-compare.h"

static napi_value num(napi_env env, double d) {
  napi_value r;
  napi_create_double(env, d, &r);
  return r;
}

static napi_value BlockDeviceSize(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  if (!args_n(env, info, 1, argv) || !arg_i64(env, argv[0], &fd)) return NULL;
  uint64_t size = 0;
  if (ioctl((int)fd, BLKGETSIZE64, &size) != 0) return throw_errno(env, "BLKGETSIZE64", errno);
  return num(env, (double)size);
}

static napi_value Seek(napi_env env, napi_callback_info info, int whence, const char* name) {
  napi_value argv[2];
  int64_t fd, off;
  if (!args_n(env, info, 2, argv) || !arg_i64(env, argv[0], &fd) || !arg_i64(env, argv[1], &off)) return NULL;
  off_t r = lseek((int)fd, (off_t)off, whence);
  if (r < 0) {
    if (errno == ENXIO) return num(env, -1);
    return throw_errno(env, name, errno);
  }
  return num(env, (double)r);
}

static napi_value SeekData(napi_env env, napi_callback_info info) { return Seek(env, info, SEEK_DATA, "SEEK_DATA"); }
static napi_value SeekHole(napi_env env, napi_callback_info info) { return Seek(env, info, SEEK_HOLE, "SEEK_HOLE"); }

static napi_value Fadvise(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t fd, off, len;
  if (!args_n(env, info, 4, argv) || !arg_i64(env, argv[0], &fd) || !arg_i64(env, argv[1], &off) ||
      !arg_i64(env, argv[2], &len))
    return NULL;
  char advice[16] = {0};
  size_t l;
  napi_get_value_string_utf8(env, argv[3], advice, sizeof advice, &l);
  int a = POSIX_FADV_NORMAL;
  if (!strcmp(advice, "sequential")) a = POSIX_FADV_SEQUENTIAL;
  else if (!strcmp(advice, "dontneed")) a = POSIX_FADV_DONTNEED;
  else if (!strcmp(advice, "willneed")) a = POSIX_FADV_WILLNEED;
  int rc = posix_fadvise((int)fd, (off_t)off, (off_t)len, a);
  if (rc != 0) return throw_errno(env, "posix_fadvise", rc);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"blockDeviceSize", NULL, BlockDeviceSize, NULL, NULL, NULL, napi_default, NULL},
      {"seekData", NULL, SeekData, NULL, NULL, NULL, napi_default, NULL},
      {"seekHole", NULL, SeekHole, NULL, NULL, NULL, napi_default, NULL},
      {"fadvise", NULL, Fadvise, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  register_xxh64(env, exports);
  register_direct_io(env, exports);
  register_zero_scan(env, exports);
  register_kernel_copy(env, exports);
  register_mapped_compare(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
