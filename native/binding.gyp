{
  "targets": [
    {
      "target_name": "vmfskit_native",
      "sources": ["vmfskit_native.cc", "xxh64.cc", "kernel_copy.cc", "direct-io.cc", "zero-scan.cc", "mapped-compare.cc"],
      "cflags": ["-O2", "-Wall"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE", "_FILE_OFFSET_BITS=64"]
    }
  ]
}
