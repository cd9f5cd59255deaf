{
  "targets": [
    {
      "target_name": "vmfskit_fuse",
      "sources": ["vmfskit_fuse.cc"],
      "cflags_cc": ["-O2", "-Wall", "-std=c++17", "<!@(pkg-config --cflags fuse)"],
      "libraries": ["<!@(pkg-config --libs fuse)"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE", "_FILE_OFFSET_BITS=64"]
    }
  ]
}
