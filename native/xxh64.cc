// XXH64 (xxHash spec, 64-bit variant), streaming, over a state kept in a JS
// Buffer: hashes data where it lies in the caller's Buffer. The wasm build
// must first copy every byte into wasm memory, which costs more than the hash.
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>

#include "napi-args.h"
#include "xxh64.h"

static const uint64_t P1 = 0x9E3779B185EBCA87ULL;
static const uint64_t P2 = 0xC2B2AE3D27D4EB4FULL;
static const uint64_t P3 = 0x165667B19E3779F9ULL;
static const uint64_t P4 = 0x85EBCA77C2B2AE63ULL;
static const uint64_t P5 = 0x27D4EB2F165667C5ULL;

struct State {
  uint64_t total;
  uint64_t v[4];
  uint64_t seed;
  uint32_t buffered;
  uint32_t pad;
  uint8_t buf[32];
};

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t read64(const uint8_t* p) { uint64_t v; memcpy(&v, p, 8); return v; }  // x86/arm64 little-endian
static inline uint32_t read32(const uint8_t* p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t round1(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
static inline uint64_t merge(uint64_t h, uint64_t v) { return (h ^ round1(0, v)) * P1 + P4; }

static void reset(State* s, uint64_t seed) {
  memset(s, 0, sizeof *s);
  s->seed = seed;
  s->v[0] = seed + P1 + P2;
  s->v[1] = seed + P2;
  s->v[2] = seed;
  s->v[3] = seed - P1;
}

static const uint8_t* stripes(State* s, const uint8_t* p, const uint8_t* end) {
  uint64_t a = s->v[0], b = s->v[1], c = s->v[2], d = s->v[3];
  for (; p + 32 <= end; p += 32) {
    a = round1(a, read64(p));
    b = round1(b, read64(p + 8));
    c = round1(c, read64(p + 16));
    d = round1(d, read64(p + 24));
  }
  s->v[0] = a, s->v[1] = b, s->v[2] = c, s->v[3] = d;
  return p;
}

static void update(State* s, const uint8_t* p, size_t n) {
  const uint8_t* end = p + n;
  s->total += n;
  if (s->buffered + n < 32) {
    memcpy(s->buf + s->buffered, p, n);
    s->buffered += (uint32_t)n;
    return;
  }
  if (s->buffered) {
    size_t fill = 32 - s->buffered;
    memcpy(s->buf + s->buffered, p, fill);
    stripes(s, s->buf, s->buf + 32);
    p += fill;
    s->buffered = 0;
  }
  p = stripes(s, p, end);
  s->buffered = (uint32_t)(end - p);
  memcpy(s->buf, p, s->buffered);
}

static uint64_t digest(const State* s) {
  uint64_t h;
  if (s->total >= 32) {
    h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) + rotl(s->v[3], 18);
    for (int i = 0; i < 4; i++) h = merge(h, s->v[i]);
  } else {
    h = s->seed + P5;
  }
  h += s->total;
  const uint8_t* p = s->buf;
  const uint8_t* end = s->buf + s->buffered;
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round1(0, read64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ ((uint64_t)read32(p) * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; p++) h = rotl(h ^ (*p * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

// The state Buffer (first argument) and up to one more argument; NULL after throwing.
static State* state_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void* data;
  size_t len;
  if (argc < want || napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok || len < sizeof(State)) {
    napi_throw_type_error(env, NULL, "xxh64: expected a state Buffer of xxh64StateSize bytes");
    return NULL;
  }
  return (State*)data;
}

static napi_value Xxh64Reset(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  State* s = state_args(env, info, 1, argv);
  if (s) reset(s, 0);
  return NULL;
}

static napi_value Xxh64Update(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  State* s = state_args(env, info, 2, argv);
  if (!s) return NULL;
  void* data;
  size_t len;
  if (!arg_bytes(env, argv[1], "xxh64: data must be a Uint8Array", &data, &len)) return NULL;
  update(s, (const uint8_t*)data, len);
  return NULL;
}

static napi_value Xxh64Digest(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  State* s = state_args(env, info, 1, argv);
  if (!s) return NULL;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest(s));
  napi_value r;
  napi_create_string_utf8(env, hex, 16, &r);
  return r;
}

void register_xxh64(napi_env env, napi_value exports) {
  napi_value size;
  napi_create_uint32(env, sizeof(State), &size);
  napi_property_descriptor props[] = {
      {"xxh64StateSize", NULL, NULL, NULL, NULL, size, napi_default, NULL},
      {"xxh64Reset", NULL, Xxh64Reset, NULL, NULL, NULL, napi_default, NULL},
      {"xxh64Update", NULL, Xxh64Update, NULL, NULL, NULL, napi_default, NULL},
      {"xxh64Digest", NULL, Xxh64Digest, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
