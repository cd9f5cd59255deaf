// Bytes moved by the kernel, never through JavaScript: `cat` of a file whose
// data lies raw in the LUN image hands page-cache pages to stdout with
// sendfile(2) (no copy at all to /dev/null or a pipe, one copy to a file).
// Both calls block the calling thread until done: `cat` has nothing else to do.
// Both answer the bytes moved and throw only when they moved none, so that a
// caller can hand the rest to another path without losing or repeating bytes.
#include "kernel_copy.h"
#include "napi-args.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

// Node leaves a pipe on stdout non-blocking once process.stdout was touched: wait for room.
static bool wait_writable(int fd) {
  struct pollfd p = {fd, POLLOUT, 0};
  while (poll(&p, 1, -1) < 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

// sendFile(outFd, inFd, inOffset, length): copy length bytes of inFd from inOffset to outFd at its
// current position. Returns the bytes copied: short only at the end of inFd, or when an error
// follows some progress (the next call then reports it).
static napi_value SendFile(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t a[4];
  if (!args_i64(env, info, 4, argv, a)) return NULL;
  int out = (int)a[0], in = (int)a[1];
  off_t off = (off_t)a[2];
  int64_t left = a[3], done = 0;
  while (left > 0) {
    // Under 2 GiB per call: the kernel's own cap (MAX_RW_COUNT), kept page aligned.
    size_t n = left > (1LL << 30) ? (size_t)1 << 30 : (size_t)left;
    ssize_t r = sendfile(out, in, &off, n);
    if (r > 0) {
      done += r;
      left -= r;
      continue;
    }
    if (r == 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN && wait_writable(out)) continue;
    if (done > 0) break;
    return throw_errno(env, "sendfile", errno);
  }
  napi_value r;
  napi_create_double(env, (double)done, &r);
  return r;
}

// writeAll(fd, data): write the bytes of data (a Uint8Array) to fd, waiting on a full pipe.
// Returns the bytes written, short only when an error follows some progress, as sendFile.
static napi_value WriteAll(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t fd;
  if (!args_n(env, info, 2, argv) || !arg_i64(env, argv[0], &fd)) return NULL;
  size_t length;
  void* data;
  if (!arg_bytes(env, argv[1], "expected a Uint8Array", &data, &length)) return NULL;
  const char* p = (const char*)data;
  size_t done = 0;
  while (done < length) {
    ssize_t r = write((int)fd, p + done, length - done);
    if (r > 0) {
      done += (size_t)r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN && wait_writable((int)fd)) continue;
    if (done > 0) break;
    return throw_errno(env, "write", r < 0 ? errno : EIO);
  }
  napi_value r;
  napi_create_double(env, (double)done, &r);
  return r;
}

void register_kernel_copy(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendFile", NULL, SendFile, NULL, NULL, NULL, napi_default, NULL},
      {"writeAll", NULL, WriteAll, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
