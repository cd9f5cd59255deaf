#pragma once
#include <node_api.h>
// Adds mappedEqual to the addon's exports.
void register_mapped_compare(napi_env env, napi_value exports);
