// What the convert writer needs for O_DIRECT output: where a buffer lies in
// memory (direct I/O wants aligned memory, and Node never says where a
// Buffer is).
#include <node_api.h>
#include <stdint.h>

#include "direct-io.h"
#include "napi-args.h"

// alignSkip(bytes: Uint8Array, align): bytes to skip from bytes[0] to the next address that is a multiple of align.
static napi_value AlignSkip(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t align;
  if (!args_n(env, info, 2, argv) || !arg_i64(env, argv[1], &align)) return NULL;
  size_t len;
  void* data;
  if (!arg_bytes(env, argv[0], "alignSkip: expected a Uint8Array", &data, &len)) return NULL;
  if (align <= 0 || (align & (align - 1)) != 0) {
    napi_throw_range_error(env, NULL, "alignSkip: align must be a power of two");
    return NULL;
  }
  uint32_t skip = (uint32_t)((align - ((uintptr_t)data & (uintptr_t)(align - 1))) & (uintptr_t)(align - 1));
  napi_value r;
  napi_create_uint32(env, skip, &r);
  return r;
}

void register_direct_io(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"alignSkip", NULL, AlignSkip, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
