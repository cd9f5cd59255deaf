#pragma once
#include <node_api.h>
// Adds xxh64StateSize, xxh64Reset, xxh64Update, xxh64Digest to the addon's exports.
void register_xxh64(napi_env env, napi_value exports);
