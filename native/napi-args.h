#pragma once
// Argument checks and errno errors shared by the addon's functions. A wrong call throws a
// TypeError and the check returns false; the caller then returns NULL to JavaScript.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline bool args_n(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, NULL, "wrong number of arguments");
    return false;
  }
  return true;
}

static inline bool arg_i64(napi_env env, napi_value v, int64_t* out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return false;
  }
  return true;
}

// A Uint8Array argument (a Buffer is one): its memory and length; `message` is the TypeError otherwise.
static inline bool arg_bytes(napi_env env, napi_value v, const char* message, void** data, size_t* len) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  return true;
}

// `n` arguments, each a number, into out[0..n).
static inline bool args_i64(napi_env env, napi_callback_info info, size_t n, napi_value* argv, int64_t* out) {
  if (!args_n(env, info, n, argv)) return false;
  for (size_t i = 0; i < n; i++)
    if (!arg_i64(env, argv[i], &out[i])) return false;
  return true;
}

// The errno's name as the error's code ("EPIPE", "ENXIO"), as Node's own fs errors carry it.
static inline napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char* name = strerrorname_np(err);
  napi_throw_error(env, name ? name : "EIO", msg);
  return NULL;
}
