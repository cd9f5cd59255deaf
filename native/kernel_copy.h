#pragma once
#include <node_api.h>
// Adds sendFile and writeAll to the addon's exports.
void register_kernel_copy(napi_env env, napi_value exports);
