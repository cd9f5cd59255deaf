#pragma once
#include <node_api.h>
// Adds zeroRuns to the addon's exports.
void register_zero_scan(napi_env env, napi_value exports);
