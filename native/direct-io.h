#pragma once
#include <node_api.h>
// Adds alignSkip to the addon's exports.
void register_direct_io(napi_env env, napi_value exports);
